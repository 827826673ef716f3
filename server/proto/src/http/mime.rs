//! Content types by file extension.
//!
//! wazo-provd serves plugin files with Twisted's `static.File`, whose table is
//! Python's `mimetypes` read from Debian's `/etc/mime.types` plus a few Twisted
//! additions (`.conf` → text/plain), and `text/html` for anything unknown. We
//! keep the Debian values for the extensions both know (so `.xml` is
//! `application/xml`, `.htm` `text/html`, `.crt` `application/x-x509-ca-cert`)
//! but send text/plain for the configuration-file extensions and
//! application/octet-stream for unknown ones (firmware: `.rom`, `.ld`, `.sbn`,
//! `.loads`, `.tlv`, ...) instead of `text/html`, so that nothing ever sniffs a
//! firmware image as a web page. Phones do not look at the type.

/// The `Content-Type` for a served path (the extension after the last dot
/// of the last segment, compared case-insensitively).
pub fn content_type(path: &[u8]) -> &'static str {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let Some(dot) = name.iter().rposition(|&b| b == b'.') else {
        return OCTET_STREAM;
    };
    let ext = &name[dot + 1..];
    let mut lower = [0u8; 8];
    if ext.is_empty() || ext.len() > lower.len() {
        return OCTET_STREAM;
    }
    for (l, b) in lower.iter_mut().zip(ext) {
        *l = b.to_ascii_lowercase();
    }
    match &lower[..ext.len()] {
        b"cfg" | b"conf" | b"cnf" | b"txt" | b"text" | b"ini" | b"inf" | b"lang" | b"log" => "text/plain",
        b"xml" | b"xsd" => "application/xml",
        b"htm" | b"html" => "text/html",
        b"csv" => "text/csv",
        b"json" => "application/json",
        b"crt" | b"der" => "application/x-x509-ca-cert",
        b"cer" => "application/pkix-cert",
        b"pem" => "application/pem-certificate-chain",
        b"p12" | b"pfx" => "application/x-pkcs12",
        b"tar" => "application/x-tar",
        b"tgz" => "application/x-gtar-compressed",
        b"gz" => "application/gzip",
        b"zip" => "application/zip",
        b"wav" => "audio/x-wav",
        b"mp3" => "audio/mpeg",
        b"png" => "image/png",
        b"jpg" | b"jpeg" => "image/jpeg",
        b"gif" => "image/gif",
        b"bmp" => "image/bmp",
        _ => OCTET_STREAM,
    }
}

const OCTET_STREAM: &str = "application/octet-stream";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_extension() {
        let cases: &[(&str, &str)] = &[
            ("y000000000044.cfg", "text/plain"),
            ("001122334455.CFG", "text/plain"),
            ("aastra.conf", "text/plain"),
            ("SEP001122334455.cnf", "text/plain"),
            ("lang+English.txt", "text/plain"),
            ("settings.ini", "text/plain"),
            ("fr.lang", "text/plain"),
            ("SEP001122334455.cnf.xml", "application/xml"),
            ("cfg000b82865e6a.xml", "application/xml"),
            ("snom320.htm", "text/html"),
            ("index.html", "text/html"),
            ("x.json", "application/json"),
            ("ca.crt", "application/x-x509-ca-cert"),
            ("ca.pem", "application/pem-certificate-chain"),
            ("ITLSEP001122334455.tlv", "application/octet-stream"),
            ("T46-28.83.0.120.rom", "application/octet-stream"),
            ("sip.ld", "application/octet-stream"),
            ("P0S3-08-8-00.sbn", "application/octet-stream"),
            ("SIP78XX.10-3-1-12.loads", "application/octet-stream"),
            ("snom-firmware.bin", "application/octet-stream"),
            ("firmware", "application/octet-stream"),
            ("dir.d/firmware", "application/octet-stream"),
            ("trailing.", "application/octet-stream"),
            ("x.averylongextension", "application/octet-stream"),
            ("lang.tar", "application/x-tar"),
            ("pkg.tar.gz", "application/gzip"),
            ("pkg.zip", "application/zip"),
            ("ring.wav", "audio/x-wav"),
            ("logo.PNG", "image/png"),
            ("logo.jpeg", "image/jpeg"),
        ];
        for (path, want) in cases {
            assert_eq!(content_type(path.as_bytes()), *want, "{path}");
        }
    }
}
