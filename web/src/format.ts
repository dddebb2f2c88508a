// Human-readable times, sizes and names.

const UNITS = ["B", "KB", "MB", "GB", "TB"];

export function formatBytes(size: number): string {
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0);
  return `${shown} ${UNITS[unit]}`;
}

export function formatTime(iso: string | null): string {
  if (!iso) return "";
  const time = new Date(iso);
  return Number.isNaN(time.getTime())
    ? iso
    : time.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function titleCase(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

export function timeElement(iso: string | null): HTMLTimeElement | null {
  if (!iso) return null;
  const element = document.createElement("time");
  element.dateTime = iso;
  element.title = iso;
  element.textContent = formatTime(iso);
  return element;
}
