"""Content-addressed file storage: files are kept under their sha256, written atomically, never twice.

Two stores: a folder on the server's disk (the default) and an S3-compatible bucket (`STEMMA_BLOB_URL=
s3://bucket/prefix`), both keyed `ab/cd/<digest>`. An upload is hashed while it streams to a temporary file and
reaches the store only once its sha256 matches, so neither ever holds a partial or mislabelled file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from starlette.responses import FileResponse, Response, StreamingResponse

from cypher.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, Unavailable

SHA256 = re.compile(r"[0-9a-f]{64}")
# An upload's id: when it was offered (8 hex digits of Unix seconds, so what it leaves in the store tells its
# age whatever the store says of itself; moto, for one, dates every multipart upload 2010), then 24 random.
UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
UPLOAD_KEY = re.compile(r"/(?P<offered>[0-9a-f]{8})[0-9a-f]{24}(-[0-9a-f]{32})?$")
T = TypeVar("T")
logger = logging.getLogger("stemma.server")


READ_CHUNK = 1024 * 1024
SPOOL_BYTES = 8 * 1024 * 1024  # an upload up to this size is verified in memory, a larger one in a temporary file
MAX_PARTS = 100  # parts offered for one upload (S3 takes 10,000; each URL costs the server a millisecond or two)
MAX_PART_BYTES = 5 * 1024**3  # S3's largest part
SLOWEST_UPLOAD = 2 * 1024**2  # bytes a second: the parts' URLs last long enough for a client this slow
LONGEST_URL_SECONDS = 3600
REFUSED_PARTS = ("EntityTooSmall", "InvalidPart", "InvalidPartOrder")  # the uploader's mistake, not the store's


class BlobStore(Protocol):
    """What the server needs of a file store: a folder (DirectoryBlobStore) or a bucket (S3BlobStore)."""

    async def sizes(self, digests: list[str]) -> dict[str, int]:
        """The stored size of each digest that is stored."""
        ...

    async def size(self, digest: str) -> int | None:
        """The stored size, or None when the digest is not stored."""
        ...

    async def put(self, digest: str, body: AsyncIterator[bytes], max_bytes: int) -> bool:
        """Store the body if its sha256 is `digest`; False when the content was stored already."""
        ...

    async def response(self, digest: str, size: int) -> Response:
        """The stored content (of `size` bytes) as an HTTP response body."""
        ...

    async def direct_url(self, digest: str) -> str | None:
        """A short-lived URL the caller fetches the content from without the server, or None."""
        ...

    async def upload_offer(self, digest: str, size: int, owner: str) -> dict[str, Any] | None:
        """Where the caller may put the content without the server (a URL, the headers to send and the upload's
        id, for `finish_upload`), or None when uploads go through the server."""
        ...

    async def finish_upload(self, digest: str, upload: str, max_bytes: int, owner: str) -> bool:
        """Check a direct upload against its digest and keep it; False when the content was stored already."""
        ...

    async def remove_abandoned(self, older_than: float) -> int:
        """Remove what uploads offered more than `older_than` seconds ago and never finished left; how many."""
        ...


def check_digest(digest: str) -> str:
    if not SHA256.fullmatch(digest):
        raise InvalidInput("digest must be 64 lowercase hex characters (sha256)", field="digest")
    return digest


class DirectoryBlobStore:
    """Files at ROOT/ab/cd/<digest>; uploads land in ROOT/tmp and are renamed into place once verified."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def local_path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def remove_partial_uploads(self, idle_seconds: float) -> int:
        """Delete temporary files of uploads that ended without cleaning up (a crash, a kill -9).
        A file written to in the last `idle_seconds` may be another process's upload in progress
        (a live upload writes at least that often, or it is timed out) and is kept."""
        cutoff = time.time() - idle_seconds
        removed = 0
        for temp in (self.root / "tmp").iterdir():
            try:
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    async def size(self, digest: str) -> int | None:
        def stat() -> int | None:
            try:
                return self.local_path(digest).stat().st_size
            except FileNotFoundError:
                return None

        return await anyio.to_thread.run_sync(stat)

    async def response(self, digest: str, size: int) -> Response:
        return FileResponse(self.local_path(digest), media_type="application/octet-stream")

    async def direct_url(self, digest: str) -> str | None:
        return None

    async def upload_offer(self, digest: str, size: int, owner: str) -> dict[str, Any] | None:
        return None

    async def finish_upload(self, digest: str, upload: str, max_bytes: int, owner: str) -> bool:
        raise NotFound(f"no upload {upload!r}: this server takes uploads at PUT /files/sha256/{digest}")

    async def remove_abandoned(self, older_than: float) -> int:
        """Nothing to do: a PUT's partial file goes when its request ends (and, after a crash, at startup)."""
        return 0

    async def sizes(self, digests: list[str]) -> dict[str, int]:
        def scan() -> dict[str, int]:
            found = {}
            for digest in dict.fromkeys(digests):
                with contextlib.suppress(FileNotFoundError):
                    found[digest] = self.local_path(digest).stat().st_size
            return found

        return await anyio.to_thread.run_sync(scan)

    async def put(self, digest: str, body: AsyncIterator[bytes], max_bytes: int) -> bool:
        """Store the body if its sha256 is `digest`; False when the file was already there.

        The body is hashed while it streams to a temporary file; a mismatch or an
        over-size body removes the temporary file, so nothing partial is kept."""
        target = self.local_path(digest)
        handle, temp_name = tempfile.mkstemp(dir=self.root / "tmp")
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                await verified_upload(digest, body, max_bytes, out)
                await anyio.to_thread.run_sync(out.flush)
                await anyio.to_thread.run_sync(os.fsync, out.fileno())
            if target.is_file():
                return False
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            return True
        finally:
            temp.unlink(missing_ok=True)


async def verified_upload(digest: str, body: AsyncIterator[bytes], max_bytes: int, spool: IO[bytes]) -> int:
    """Write the body to `spool` while hashing it; its size once its sha256 is `digest` and it is no larger
    than `max_bytes`, else a client error (the caller drops the spool, so nothing is kept)."""
    hasher = hashlib.sha256()
    size = 0
    async for chunk in body:
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"the body is larger than the upload limit of {max_bytes} bytes")
        hasher.update(chunk)
        await anyio.to_thread.run_sync(spool.write, chunk)
    if hasher.hexdigest() != digest:
        raise InvalidInput(
            f"the body's sha256 is {hasher.hexdigest()}, not {digest}; nothing was stored", field="digest"
        )
    return size


class S3BlobStore:
    """Files at s3://BUCKET/PREFIX/ab/cd/<digest> in any S3-compatible store (AWS S3, or a local server such as
    moto's). Credentials and, unless given, the region come from the standard AWS chain (environment, shared
    files, instance roles). boto3 is synchronous; its calls run in worker threads. Large files go up in parts
    (boto3's managed transfer) and are read back in chunks, never whole in memory."""

    def __init__(
        self,
        url: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        presigned_seconds: int = 0,
        part_bytes: int = 64 * 1024 * 1024,
        public_endpoint_url: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket, self.prefix = parse_s3_url(url)
        self.presigned_seconds = presigned_seconds
        self.part_bytes = part_bytes
        self._finishing: set[str] = set()
        config = Config(
            signature_version="s3v4",  # presigned URLs as AWS requires them: SigV4, X-Amz-Expires
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=5,
            read_timeout=60,
        )
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)
        # A URL is signed for the host it names: where clients reach the store, when that is not where the
        # server does (a store inside a compose network, published on the host's port).
        self.signer = (
            self.client
            if public_endpoint_url is None
            else boto3.client("s3", endpoint_url=public_endpoint_url, region_name=region, config=config)
        )

    def key(self, digest: str) -> str:
        return f"{self.prefix}{digest[:2]}/{digest[2:4]}/{digest}"

    async def check(self) -> None:
        """Say at startup when the bucket cannot be reached (the server serves anyway, as it does without Neo4j:
        file requests answer UNAVAILABLE until the store is back)."""
        try:
            await self._run(lambda: self.client.head_bucket(Bucket=self.bucket))
        except Unavailable:
            logger.warning("the S3 bucket %s cannot be reached; files are unavailable until it can", self.bucket)

    async def _run(self, work: Callable[[], T]) -> T:
        """A boto3 call in a worker thread. The store failing (unreachable, no such bucket, credentials
        refused) is the server's trouble, not the client's: logged, and answered UNAVAILABLE."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await anyio.to_thread.run_sync(work)
        except (BotoCoreError, ClientError) as exc:
            logger.error("the S3 file store s3://%s/%s failed: %s", self.bucket, self.prefix, exc)
            raise Unavailable("the file store is unreachable; try again shortly") from exc

    def _head(self, digest: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            found: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=self.key(digest))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(found["ContentLength"])

    async def size(self, digest: str) -> int | None:
        return await self._run(lambda: self._head(digest))

    async def sizes(self, digests: list[str]) -> dict[str, int]:
        def scan() -> dict[str, int]:
            found = {}
            for digest in dict.fromkeys(digests):
                size = self._head(digest)
                if size is not None:
                    found[digest] = size
            return found

        return await self._run(scan)

    async def put(self, digest: str, body: AsyncIterator[bytes], max_bytes: int) -> bool:
        """Verified in a spool first; the object is written only when it is not there yet (the same digest
        written twice at once writes the same bytes)."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            await verified_upload(digest, body, max_bytes, spool)
            if await self.size(digest) is not None:
                return False
            spool.seek(0)
            await self._run(lambda: self.client.upload_fileobj(spool, self.bucket, self.key(digest)))
        return True

    async def response(self, digest: str, size: int) -> Response:
        """The object is opened before the response starts, so a store that fails says so in the status."""
        found = await self._run(lambda: self.client.get_object(Bucket=self.bucket, Key=self.key(digest)))
        return StreamingResponse(
            self._chunks(found["Body"]),
            media_type="application/octet-stream",
            headers={"content-length": str(size)},
        )

    async def direct_url(self, digest: str) -> str | None:
        """A presigned GET of the object, valid `presigned_seconds` (signing may refresh credentials: it runs
        off the event loop); None when presigning is off and the server streams the content itself."""
        if not self.presigned_seconds:
            return None
        params = {"Bucket": self.bucket, "Key": self.key(digest)}
        return await self._run(lambda: self._presign("get_object", params))

    async def upload_offer(self, digest: str, size: int, owner: str) -> dict[str, Any] | None:
        """Presigned PUTs of a staging object `uploads/<digest>/<owner>/<id>`, never of a key the server reads
        from (`finish_upload` checks it where no URL reaches). Up to `part_bytes` one PUT, whose URL signs the
        length and the sha256 (AWS S3 checks the body against them; other stores may not; the server checks
        anyway); larger, a multipart upload of at most MAX_PARTS parts, each URL signing its part's number and
        length. None (through the server) when even MAX_PARTS of S3's largest parts would not hold it."""
        if not self.presigned_seconds:
            return None
        upload = f"{int(time.time()):08x}{secrets.token_hex(12)}"
        staged = self.staging_key(digest, upload, owner)
        if size <= self.part_bytes:
            checksum = base64.b64encode(bytes.fromhex(digest)).decode()
            params = {"Bucket": self.bucket, "Key": staged, "ContentLength": size, "ChecksumSHA256": checksum}
            url = await self._run(lambda: self._presign("put_object", params))
            headers = {"content-length": str(size), "x-amz-checksum-sha256": checksum}
            part = {"url": url, "headers": headers, "offset": 0, "size": size}
            return {"url": url, "headers": headers, "upload": upload, "parts": [part]}
        part_bytes = max(self.part_bytes, -(-size // MAX_PARTS))
        if part_bytes > MAX_PART_BYTES:
            return None  # larger than S3's parts allow in MAX_PARTS: through the server
        # The last part starts long after the offer when the client is slow: its URL must still be good.
        seconds = min(LONGEST_URL_SECONDS, max(self.presigned_seconds, -(-size // SLOWEST_UPLOAD)))

        def presign_parts() -> list[dict[str, Any]]:
            started = self.client.create_multipart_upload(Bucket=self.bucket, Key=staged)
            parts = []
            for number, offset in enumerate(range(0, size, part_bytes), start=1):
                length = min(part_bytes, size - offset)
                params = {
                    "Bucket": self.bucket,
                    "Key": staged,
                    "UploadId": started["UploadId"],
                    "PartNumber": number,
                    "ContentLength": length,
                }
                url = self._presign("upload_part", params, seconds)
                parts.append({"url": url, "headers": {"content-length": str(length)}, "offset": offset, "size": length})
            return parts

        # `url` is null for clients that only know single PUTs: they send the content through the server.
        return {"url": None, "upload": upload, "parts": await self._run(presign_parts)}

    def _presign(self, method: str, params: dict[str, Any], seconds: int | None = None) -> str:
        expires = seconds or self.presigned_seconds
        url: str = self.signer.generate_presigned_url(method, Params=params, ExpiresIn=expires)
        return url

    async def remove_abandoned(self, older_than: float) -> int:
        """What uploads offered more than `older_than` seconds plus the longest part URL ago left (staging and
        checking objects, multipart uploads): nobody can finish them any more. Ages come from the upload ids
        in the keys; keys without one are left alone."""
        before = time.time() - older_than - LONGEST_URL_SECONDS

        def abandoned(key: str) -> bool:
            found = UPLOAD_KEY.search(key)
            return found is not None and int(found["offered"], 16) < before

        def sweep() -> int:
            removed = 0
            started = self.client.get_paginator("list_multipart_uploads")
            for page in started.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}uploads/"):
                for upload in page.get("Uploads", []):
                    if abandoned(upload["Key"]):
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
            listed = self.client.get_paginator("list_objects_v2")
            for folder in ("uploads/", "verifying/"):
                for page in listed.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}{folder}"):
                    for item in page.get("Contents", []):
                        if abandoned(item["Key"]):
                            self.client.delete_object(Bucket=self.bucket, Key=item["Key"])
                            removed += 1
            return removed

        removed = await self._run(sweep)
        if removed:
            logger.info("removed %d objects and multipart uploads of unfinished uploads", removed)
        return removed

    def staging_key(self, digest: str, upload: str, owner: str) -> str:
        """Where an upload is put, under its owner (the user who asked for the offer): anyone else finishing it
        names another key and finds nothing, even knowing the digest and the id."""
        return f"{self.prefix}uploads/{digest}/{hashlib.blake2b(owner.encode(), digest_size=8).hexdigest()}/{upload}"

    async def finish_upload(self, digest: str, upload: str, max_bytes: int, owner: str) -> bool:
        """What the uploader put is checked where no presigned URL can change it: a multipart upload's object
        once its parts are joined (part URLs then answer NoSuchUpload), a single PUT's staging object after a
        copy (inside the store) to a key no URL names. It must be at most `max_bytes` and hash to the digest
        (read here: a store's own checksum is not trusted, since some S3-compatible servers record the client's
        header unchecked); then it is copied to the content's key unless that exists already. The temporary
        objects go whatever the outcome. One finish of an upload at a time in this process."""
        if not UPLOAD_ID.fullmatch(upload):
            raise InvalidInput("upload must be the id the upload offer gave", field="upload")
        if upload in self._finishing:
            raise Conflict(f"upload {upload!r} is being finished by another request", field="upload")
        staged = self.staging_key(digest, upload, owner)
        private = f"{self.prefix}verifying/{digest}/{upload}-{uuid.uuid4().hex}"  # one per attempt

        def verify_and_keep() -> bool:
            from botocore.exceptions import ClientError

            try:
                try:
                    checked = staged if self._complete_parts(staged, max_bytes) else private
                    if checked == private:
                        self._copy(staged, private)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchUpload"):
                        raise NotFound(f"no upload {upload!r} of {digest} is in the store", field="upload") from exc
                    raise
                if int(self.client.head_object(Bucket=self.bucket, Key=checked)["ContentLength"]) > max_bytes:
                    raise PayloadTooLarge(f"the upload is larger than the upload limit of {max_bytes} bytes")
                actual = self._read_digest(checked)
                if actual != digest:
                    raise InvalidInput(
                        f"the body's sha256 is {actual}, not {digest}; nothing was stored", field="digest"
                    )
                if self._head(digest) is not None:
                    return False
                self._copy(checked, self.key(digest))
                return True
            finally:
                for key in (staged, private):
                    self.client.delete_object(Bucket=self.bucket, Key=key)

        self._finishing.add(upload)
        try:
            return await self._run(verify_and_keep)
        finally:
            self._finishing.discard(upload)

    def _copy(self, source: str, target: str) -> None:
        """Inside the store: one CopyObject up to 5 GiB (S3's limit for it), in 1 GiB parts beyond (boto3's
        default of 8 MiB parts makes a thousand requests of a large file, and some stores read the whole
        source for each)."""
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(multipart_threshold=MAX_PART_BYTES, multipart_chunksize=1024**3)
        self.client.copy({"Bucket": self.bucket, "Key": source}, self.bucket, target, Config=config)

    def _complete_parts(self, staged: str, max_bytes: int) -> bool:
        """A multipart upload to `staged` becomes its object, of the parts the store holds (their ETags and sizes
        read from the store, not taken from the client: parts larger in all than `max_bytes` are refused before
        anything is copied); False when there is no multipart upload there."""
        from botocore.exceptions import ClientError

        listed = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=staged)
        for started in listed.get("Uploads", []):
            if started["Key"] != staged:
                continue
            upload = {"Bucket": self.bucket, "Key": staged, "UploadId": started["UploadId"]}
            held = [
                part
                for page in self.client.get_paginator("list_parts").paginate(**upload)
                for part in page.get("Parts", [])
            ]
            size = sum(int(part["Size"]) for part in held)
            if not held or size > max_bytes:
                self.client.abort_multipart_upload(**upload)
                if size > max_bytes:
                    raise PayloadTooLarge(f"the upload is larger than the upload limit of {max_bytes} bytes")
                raise InvalidInput("the upload has no parts in the store", field="upload")
            parts = [{"PartNumber": part["PartNumber"], "ETag": part["ETag"]} for part in held]
            try:
                self.client.complete_multipart_upload(**upload, MultipartUpload={"Parts": parts})
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code != "NoSuchUpload":  # else another attempt completed it meanwhile: its object is there
                    self.client.abort_multipart_upload(**upload)
                if code in REFUSED_PARTS:
                    raise InvalidInput(f"the store refused the upload's parts: {exc}", field="upload") from exc
                if code != "NoSuchUpload":
                    raise
            return True
        return False

    def _read_digest(self, key: str) -> str:
        hasher = hashlib.sha256()
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            for chunk in body.iter_chunks(READ_CHUNK):
                hasher.update(chunk)
        finally:
            body.close()
        return hasher.hexdigest()

    async def _chunks(self, stream: Any) -> AsyncIterator[bytes]:
        chunks: Iterator[bytes] = stream.iter_chunks(READ_CHUNK)
        try:
            while chunk := await anyio.to_thread.run_sync(next, chunks, b""):
                yield chunk
        finally:
            stream.close()


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → ("bucket", "some/prefix/"); the prefix may be empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"blob_url must look like s3://bucket/prefix; got {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""
