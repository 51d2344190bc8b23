//! Request bodies to field lists: URL-encoded forms and flat JSON objects.

use super::Fields;

/// Why a body cannot be read at all (as opposed to a field being wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the request body is not valid UTF-8")]
    NotUtf8,
    #[error("malformed form data: {0}")]
    Form(String),
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("field {0:?} must be a string")]
    NotText(String),
}

/// Decodes `application/x-www-form-urlencoded`; names and values must be UTF-8 once
/// percent-decoded (lossy decoding would store something the reporter did not send).
pub fn decode_form(body: &[u8]) -> Result<Fields, DecodeError> {
    let mut fields = Vec::new();
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let mut parts = pair.splitn(2, |&b| b == b'=');
        let name = unescape(parts.next().unwrap_or_default())?;
        let value = unescape(parts.next().unwrap_or_default())?;
        fields.push((name, value));
    }
    Ok(fields)
}

fn unescape(bytes: &[u8]) -> Result<String, DecodeError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| DecodeError::Form(format!("bad escape at byte {i}")))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| DecodeError::NotUtf8)
}

/// Decodes a JSON object whose values are strings (numbers are taken as their text,
/// `null` as absent).
pub fn decode_json(body: &[u8]) -> Result<Fields, DecodeError> {
    let text = std::str::from_utf8(body).map_err(|_| DecodeError::NotUtf8)?;
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| DecodeError::Json(e.to_string()))?;
    let mut fields = Vec::with_capacity(object.len());
    for (name, value) in object {
        let value = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Null => continue,
            _ => return Err(DecodeError::NotText(name)),
        };
        fields.push((name, value));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_escapes_and_refuse_bad_utf8() {
        assert_eq!(
            decode_form(b"title=A+b%26c&x=&y").unwrap(),
            [
                ("title".to_string(), "A b&c".to_string()),
                ("x".into(), "".into()),
                ("y".into(), "".into())
            ]
        );
        assert_eq!(decode_form(b"t=%C3%A9").unwrap()[0].1, "é");
        assert_eq!(decode_form(b"t=%FF"), Err(DecodeError::NotUtf8));
        assert!(matches!(decode_form(b"t=%4"), Err(DecodeError::Form(_))));
    }

    #[test]
    fn json_takes_strings_and_numbers() {
        let fields = decode_json(br#"{"title":"T","severity":3,"tlp":null}"#).unwrap();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[1].1, "3");
        assert_eq!(
            decode_json(br#"{"title":["a"]}"#),
            Err(DecodeError::NotText("title".into()))
        );
        assert_eq!(decode_json(b"{\"t\":\"\xff\"}"), Err(DecodeError::NotUtf8));
    }
}
