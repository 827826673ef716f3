//! Status codes the phone-facing server can answer with.

/// A response status. Only the codes this server produces exist, so a status
/// line is always a static byte string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// 200: the whole file, or the answer to OPTIONS.
    Ok,
    /// 206: the one byte range `Range` asked for.
    PartialContent,
    /// 304: the client's copy is current (`If-None-Match`,
    /// `If-Modified-Since`).
    NotModified,
    /// 400: a malformed head or request target.
    BadRequest,
    /// 403: the server refuses to serve the target.
    Forbidden,
    /// 404: no such file, a hostile path, or nowhere to route the request.
    NotFound,
    /// 405: a method other than GET, HEAD and OPTIONS.
    MethodNotAllowed,
    /// 408: the head did not arrive within the header timeout.
    RequestTimeout,
    /// 413: a request body larger than accepted.
    ContentTooLarge,
    /// 414: the request line, or the normalised path, is too long.
    UriTooLong,
    /// 416: `Range` starts past the end of the file.
    RangeNotSatisfiable,
    /// 429: the client asks too often.
    TooManyRequests,
    /// 431: a header line, the number of header lines or the whole head
    /// is over its limit.
    HeaderFieldsTooLarge,
    /// 500: the server could not process the request (e.g. no usable
    /// client address).
    InternalServerError,
    /// 503: the server cannot answer for now.
    ServiceUnavailable,
    /// 505: an `HTTP/x.y` version other than 1.0 and 1.1.
    VersionNotSupported,
}

impl Status {
    /// The numeric code.
    pub const fn code(self) -> u16 {
        match self {
            Status::Ok => 200,
            Status::PartialContent => 206,
            Status::NotModified => 304,
            Status::BadRequest => 400,
            Status::Forbidden => 403,
            Status::NotFound => 404,
            Status::MethodNotAllowed => 405,
            Status::RequestTimeout => 408,
            Status::ContentTooLarge => 413,
            Status::UriTooLong => 414,
            Status::RangeNotSatisfiable => 416,
            Status::TooManyRequests => 429,
            Status::HeaderFieldsTooLarge => 431,
            Status::InternalServerError => 500,
            Status::ServiceUnavailable => 503,
            Status::VersionNotSupported => 505,
        }
    }

    /// The status line, CRLF included. We always answer as HTTP/1.1, also to
    /// 1.0 clients (RFC 9110 §2.5: a server sends its own highest version).
    pub const fn line(self) -> &'static [u8] {
        match self {
            Status::Ok => b"HTTP/1.1 200 OK\r\n",
            Status::PartialContent => b"HTTP/1.1 206 Partial Content\r\n",
            Status::NotModified => b"HTTP/1.1 304 Not Modified\r\n",
            Status::BadRequest => b"HTTP/1.1 400 Bad Request\r\n",
            Status::Forbidden => b"HTTP/1.1 403 Forbidden\r\n",
            Status::NotFound => b"HTTP/1.1 404 Not Found\r\n",
            Status::MethodNotAllowed => b"HTTP/1.1 405 Method Not Allowed\r\n",
            Status::RequestTimeout => b"HTTP/1.1 408 Request Timeout\r\n",
            Status::ContentTooLarge => b"HTTP/1.1 413 Content Too Large\r\n",
            Status::UriTooLong => b"HTTP/1.1 414 URI Too Long\r\n",
            Status::RangeNotSatisfiable => b"HTTP/1.1 416 Range Not Satisfiable\r\n",
            Status::TooManyRequests => b"HTTP/1.1 429 Too Many Requests\r\n",
            Status::HeaderFieldsTooLarge => b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            Status::InternalServerError => b"HTTP/1.1 500 Internal Server Error\r\n",
            Status::ServiceUnavailable => b"HTTP/1.1 503 Service Unavailable\r\n",
            Status::VersionNotSupported => b"HTTP/1.1 505 HTTP Version Not Supported\r\n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_carries_code() {
        for s in [
            Status::Ok,
            Status::PartialContent,
            Status::NotModified,
            Status::BadRequest,
            Status::Forbidden,
            Status::NotFound,
            Status::MethodNotAllowed,
            Status::RequestTimeout,
            Status::ContentTooLarge,
            Status::UriTooLong,
            Status::RangeNotSatisfiable,
            Status::TooManyRequests,
            Status::HeaderFieldsTooLarge,
            Status::InternalServerError,
            Status::ServiceUnavailable,
            Status::VersionNotSupported,
        ] {
            let line = s.line();
            assert!(line.starts_with(format!("HTTP/1.1 {} ", s.code()).as_bytes()));
            assert!(line.ends_with(b"\r\n"));
        }
    }
}
