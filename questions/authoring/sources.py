"""Readers: a Markdown file, an HTML file or page, a plain-text file, each turned into an `Article`.

What is removed is markup, never words: images (and their alt text), link targets (the link's words
stay), inline HTML tags, emphasis markers, front matter, the `¶` anchors documentation generators add.
URLs are fetched with a size cap and a timeout, and only over http(s).
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from questions.authoring.article import Article, Block

MAX_FETCH_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 15.0
USER_AGENT = "article-circle-pack-builder/0.1 (+https://github.com/)"

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


class SourceError(Exception):
    """A source that cannot be read: the message says why, for the operator."""


def is_url(source: str) -> bool:
    return urllib.parse.urlsplit(source).scheme in ("http", "https")


def read_source(source: str, *, allow_private: bool = True) -> Article:
    """The article at a path or an http(s) URL; the reader is chosen by the suffix (or, for URLs, it is HTML)."""
    if is_url(source):
        html, final_url = fetch_url(source, allow_private=allow_private)
        article = read_html(html)
        article.url = article.url or final_url
        return article
    path = Path(source)
    if not path.is_file():
        raise SourceError(f"{source}: no such file (give a Markdown, HTML or text file, or an http(s) URL)")
    raw = path.read_bytes()
    text = _decode(raw)
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return read_markdown(text)
    if suffix in HTML_SUFFIXES:
        return read_html(text)
    return read_text(text)


def is_public_address(address: str) -> bool:
    """An address on the internet at large: not loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
    link-local (169.254/16: cloud metadata services), carrier-grade NAT, multicast or reserved."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PublicOnlyHTTPConnection(http.client.HTTPConnection):
    """Checks the address it actually connected to (after DNS, for every redirect too), so a name that
    resolves to a private address, or changes its answer between two lookups, is still refused."""

    def connect(self) -> None:
        super().connect()
        _refuse_private_peer(self.sock, self.host)


class _PublicOnlyHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _refuse_private_peer(self.sock, self.host)


def _refuse_private_peer(sock: socket.socket, host: str) -> None:
    peer = sock.getpeername()[0]
    if not is_public_address(peer):
        sock.close()
        raise SourceError(f"{host} is at a private or local address ({peer}); only public web pages are fetched")


class _PublicOnlyHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicOnlyHTTPConnection, req)


class _PublicOnlyHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_PublicOnlyHTTPSConnection, req)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is followed only to another http(s) address (urllib would follow one to ftp:)."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        if not is_url(newurl):
            raise SourceError(f"{req.full_url}: redirected to a non-http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_within(response: Any, limit: int, *, deadline: float) -> bytes:
    """At most `limit` bytes, read before `deadline`: the socket's timeout bounds each read, this the whole
    (a server sending a byte every few seconds would otherwise hold the fetch for hours)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise SourceError("the page took too long to arrive")
        chunk = response.read(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def fetch_url(url: str, *, max_bytes: int = MAX_FETCH_BYTES, timeout: float = FETCH_TIMEOUT_SECONDS,
              allow_private: bool = True) -> tuple[str, str]:
    """(HTML, final URL). Refuses non-http(s) redirects, bodies over `max_bytes` and non-HTML content.

    `allow_private=False` (what `/digest add` uses, unless ARTICLES_FROM_PRIVATE_NETWORKS is set) refuses
    any connection, redirects included, to a loopback, private, link-local or reserved address: a URL typed
    in Slack must not make the server read its own network. The command line (`pack new URL`) is the
    operator's own and fetches what they ask."""
    if not is_url(url):
        raise SourceError(f"{url}: only http and https URLs are fetched")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    handlers: list[urllib.request.BaseHandler] = [_HttpOnlyRedirects()]
    if not allow_private:
        handlers += [_PublicOnlyHTTPHandler(), _PublicOnlyHTTPSHandler()]
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
            final_url = response.geturl()
            if not is_url(final_url):
                raise SourceError(f"{url}: redirected to a non-http(s) address")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(f"{url}: {int(declared)} bytes is over the {max_bytes}-byte limit")
            body = _read_within(response, max_bytes + 1, deadline=time.monotonic() + timeout)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
    except SourceError:
        raise
    except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts are OSErrors
        raise SourceError(f"{url}: could not be fetched ({exc})") from None
    if len(body) > max_bytes:
        raise SourceError(f"{url}: the page is over the {max_bytes}-byte limit")
    if content_type not in ("text/html", "application/xhtml+xml", "text/plain"):
        raise SourceError(f"{url}: {content_type} is not a web page")
    text = _decode(body, charset)
    if content_type == "text/plain":
        paragraphs = "".join(f"<p>{_escape_html(p)}</p>" for p in re.split(r"\n\s*\n", text))
        text = "<html><body>" + paragraphs + "</body></html>"
    return text, final_url


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _decode(raw: bytes, charset: str | None = None) -> str:
    for encoding in [charset, "utf-8-sig"]:
        if not encoding:
            continue
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes  # trafilatura's own dependency

    best = from_bytes(raw).best()
    if best is None:
        raise SourceError("the file is not text in any encoding that could be recognised")
    return str(best)


# -- Markdown --------------------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, number of lines the front matter took)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text, 0
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise SourceError(f"the front matter is not valid YAML ({exc})") from None
    if not isinstance(meta, dict):
        raise SourceError("the front matter is not a mapping of fields")
    return meta, text[match.end():], match.group(0).count("\n")


def read_markdown(text: str) -> Article:
    from markdown_it import MarkdownIt

    meta, body, offset = split_front_matter(text)
    tokens = MarkdownIt("commonmark").parse(body)
    blocks: list[Block] = []
    list_lines: list[str] = []
    list_stack: list[list[int]] = []  # per open list: [is_ordered, next number]
    list_start = 0
    pending_heading: int | None = None
    for i, token in enumerate(tokens):
        line = offset + (token.map[0] + 1 if token.map else 0)
        if token.type in ("bullet_list_open", "ordered_list_open"):
            if not list_stack:
                list_lines, list_start = [], line
            start = int(token.attrGet("start") or 1) if token.type == "ordered_list_open" else 0
            list_stack.append([token.type == "ordered_list_open", start])
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
            if not list_stack and list_lines:
                blocks.append(Block("paragraph", "\n".join(list_lines), line=list_start))
        elif token.type == "heading_open":
            pending_heading = int(token.tag[1])
        elif token.type == "inline":
            words = _inline_text(token.children or [])
            if not words:
                pending_heading = None
                continue
            if pending_heading is not None:
                blocks.append(Block("heading", words, level=pending_heading, line=line))
                pending_heading = None
            elif list_stack:
                ordered, number = list_stack[-1]
                indent = "  " * (len(list_stack) - 1)
                first_in_item = tokens[i - 1].type == "paragraph_open" and tokens[i - 2].type == "list_item_open"
                if first_in_item:
                    marker = f"{number}." if ordered else "-"
                    list_stack[-1][1] += 1
                    list_lines.append(f"{indent}{marker} {words}")
                else:
                    list_lines.append(f"{indent}  {words}")
            else:
                heading = re.match(r"^(#{1,6})(?=[^#\s])(.+)$", words)  # `####Title`: a heading to the eye
                if heading:
                    blocks.append(Block("heading", heading.group(2).strip(), level=len(heading.group(1)), line=line))
                else:
                    blocks.append(Block("paragraph", words, line=line))
        elif token.type in ("fence", "code_block") and not list_stack:
            code = token.content.rstrip("\n")
            if code.strip():
                blocks.append(Block("code", code, line=line))
    return Article(
        blocks=blocks,
        title=_meta_str(meta, "title"),
        author=_meta_str(meta, "author", "authors"),
        date=_meta_str(meta, "date", "published"),
        url=_meta_str(meta, "source", "url", "source_url"),
        outlet=_meta_str(meta, "outlet", "site", "publisher"),
        language=_meta_str(meta, "lang", "language"),
        licence=_meta_str(meta, "licence", "license"),
    )


def _meta_str(meta: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value not in (None, ""):
            return str(value).strip()
    return None


def _inline_text(children: list[Any]) -> str:
    """An inline run as plain words: links keep their words, images and HTML tags go, breaks become spaces."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append("\n")
        elif child.type == "hardbreak":
            parts.append("\n")
    return _join_lines("".join(parts)).strip()


def _join_lines(text: str) -> str:
    """Wrapped lines joined: a space between Latin words, nothing between Chinese characters."""
    def joiner(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        if _is_cjk(before) or _is_cjk(after):
            return before + after
        return before + " " + after

    text = re.sub(r"(\S)[ \t]*\n[ \t]*(\S)", joiner, text)
    return re.sub(r"[ \t]{2,}", " ", text)


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


# -- HTML -------------------------------------------------------------------------------------------------
def read_html(html: str) -> Article:
    """The main text as trafilatura finds it (boilerplate, navigation, comments, tables and images left out)."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(html, output_format="xml", with_metadata=True, include_comments=False,
                              include_tables=False, include_images=False, include_links=False,
                              include_formatting=False, favor_recall=True)
    if not xml:
        raise SourceError("no article text was found in the page")
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    blocks: list[Block] = []
    for element in (main if main is not None else []):
        text = _element_text(element)
        if not text:
            continue
        if element.tag == "head":
            rend = element.get("rend") or "h2"
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            blocks.append(Block("heading", text, level=level))
        elif element.tag == "list":
            items = [_element_text(item) for item in element.iter("item")]
            blocks.append(Block("paragraph", "\n".join(f"- {item}" for item in items if item)))
        elif element.tag == "code":
            blocks.append(Block("code", "".join(element.itertext()).rstrip()))
        else:
            blocks.append(Block("paragraph", text))
    title = root.get("title")
    date = root.get("date")
    if date and date not in html:  # a date the page does not state (guessed from elsewhere) is no fact of it
        date = None
    return Article(blocks=blocks, title=_clean_heading(title) if title else None, author=root.get("author"),
                   date=date, url=root.get("url") or root.get("source"),
                   outlet=root.get("sitename"), language=None)


def _element_text(element: Any) -> str:
    return _clean_heading(_join_lines("".join(element.itertext()))) if element is not None else ""


def _clean_heading(text: str) -> str:
    return re.sub(r"\s*¶\s*$", "", text.strip()).strip()


# -- plain text -------------------------------------------------------------------------------------------
_SETEXT = re.compile(r"^(?P<title>[^\n]+)\n(?P<rule>=+|-+)[ \t]*$")
_SENTENCE_END = ".!?。！？:：;；,，"


def read_text(text: str) -> Article:
    """Paragraphs split at blank lines; a heading is an underlined line (`===`, `---`) or a short line that
    ends without punctuation and is followed by a paragraph."""
    blocks: list[Block] = []
    line = 1
    chunks = re.split(r"(\n[ \t]*\n)", text.replace("\r\n", "\n"))
    paragraphs: list[tuple[str, int]] = []
    for chunk in chunks:
        if chunk.strip() and not re.fullmatch(r"\n[ \t]*\n", chunk):
            lead = len(chunk) - len(chunk.lstrip("\n"))
            paragraphs.append((chunk.strip("\n"), line + lead))
        line += chunk.count("\n")
    for index, (paragraph, start) in enumerate(paragraphs):
        stripped = paragraph.strip()
        setext = _SETEXT.match(stripped)
        if setext:
            level = 1 if setext.group("rule").startswith("=") else 2
            blocks.append(Block("heading", setext.group("title").strip(), level=level, line=start))
            continue
        if paragraph.startswith(("    ", "\t")) and not _looks_like_prose(paragraph):
            blocks.append(Block("code", paragraph.rstrip(), line=start))
            continue
        is_last = index == len(paragraphs) - 1
        if "\n" not in stripped and len(stripped) <= 80 and stripped[-1] not in _SENTENCE_END and not is_last:
            blocks.append(Block("heading", stripped, level=3, line=start))
            continue
        blocks.append(Block("paragraph", _join_lines(stripped), line=start))
    return Article(blocks=blocks)


def _looks_like_prose(paragraph: str) -> bool:
    return bool(re.search(r"[A-Za-z\u4e00-\u9fff]{3,}[^\n]*[.。]\s*$", paragraph.strip()))
