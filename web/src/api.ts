// The one place the page talks to the server: POST /graphql, same-origin cookies, an optional bearer key.

const API_KEY_STORAGE = "stemma.apiKey";

/** A GraphQL document whose result and variables have known types. */
export interface Query<TData, TVariables> {
  readonly text: string;
  readonly types?: (data: TData, variables: TVariables) => void;
}

export function query<TData, TVariables = Record<string, never>>(text: string): Query<TData, TVariables> {
  return { text };
}

/** A refused or failed request; `code` is the GraphQL error's extensions.code (or NETWORK / HTTP). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string };
}

interface GraphQLBody<TData> {
  data?: TData | null;
  errors?: GraphQLErrorBody[];
}

function storedApiKey(): string | null {
  try {
    return window.localStorage.getItem(API_KEY_STORAGE);
  } catch {
    return null;
  }
}

/** The bearer header when this browser keeps a key; the login page's cookie travels by itself. */
export function keyHeaders(): Record<string, string> {
  const key = storedApiKey();
  return key ? { authorization: `Bearer ${key}` } : {};
}

function headers(): Record<string, string> {
  return { "content-type": "application/json", accept: "application/json", ...keyHeaders() };
}

export async function request<TData, TVariables>(
  document: Query<TData, TVariables>,
  variables: TVariables,
  signal?: AbortSignal,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: headers(),
      body: JSON.stringify({ query: document.text, variables }),
      signal: signal ?? null,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError("The Stemma server did not answer. Is it running?", "NETWORK");
  }
  let body: GraphQLBody<TData>;
  try {
    body = (await response.json()) as GraphQLBody<TData>;
  } catch {
    const code = response.status === 401 ? "UNAUTHENTICATED" : response.status === 403 ? "FORBIDDEN" : "HTTP";
    throw new ApiError(`The server answered ${response.status} ${response.statusText}.`, code);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions?.code ?? "INTERNAL");
  if (body.data == null) throw new ApiError(`The server answered ${response.status} without data.`, "HTTP");
  return body.data;
}

/** What to tell the user about a failed request. */
export function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case "UNAUTHENTICATED":
      return (
        "This Stemma server needs an API key. Sign in, or store a key in this browser with " +
        `localStorage.setItem("${API_KEY_STORAGE}", "<your key>") and reload. (${error.message})`
      );
    case "FORBIDDEN":
      return `Your API key may not read this. (${error.message})`;
    case "UNAVAILABLE":
      return `The database is not answering; try again in a moment. (${error.message})`;
    default:
      return error.message;
  }
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** Forgets this browser's key: the stored bearer key and, through POST /logout, the login cookie. */
export async function signOut(): Promise<void> {
  try {
    window.localStorage.removeItem(API_KEY_STORAGE);
  } catch {
    // No storage in this browser: no key was kept there.
  }
  const response = await fetch("/logout", { method: "POST", credentials: "same-origin" });
  if (!response.ok) throw new ApiError(`Signing out failed: the server answered ${response.status}.`, "HTTP");
}
