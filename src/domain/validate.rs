//! Input validation: lengths as the columns of docs/model.md allow, shapes for emails,
//! slugs and usernames. Every error names the input field at fault.

use crate::error::AppError;

/// Free text that must hold something: trimmed, non-empty, at most `max` characters.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("`{field}` must not be empty"),
        ));
    }
    at_most(field, value, max)?;
    Ok(value.to_owned())
}

/// Optional free text: trimmed, at most `max` characters; empty becomes `None`.
pub fn optional(field: &'static str, value: &str, max: usize) -> Result<Option<String>, AppError> {
    let value = value.trim();
    at_most(field, value, max)?;
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

pub fn at_most(field: &'static str, value: &str, max: usize) -> Result<(), AppError> {
    let len = value.chars().count();
    if len > max {
        return Err(AppError::invalid(
            field,
            format!("`{field}` takes at most {max} characters (got {len})"),
        ));
    }
    Ok(())
}

/// Django's username rule: letters, digits and `@ . + - _`, at most 150.
pub fn username(value: &str) -> Result<String, AppError> {
    let value = required("username", value, 150)?;
    if !value
        .chars()
        .all(|c| c.is_alphanumeric() || "@.+-_".contains(c))
    {
        return Err(AppError::invalid(
            "username",
            "`username` may hold letters, digits and @ . + - _ only",
        ));
    }
    Ok(value)
}

/// An email address of the usual shape (`local@domain.tld`), at most 254, kept as
/// typed but for surrounding spaces.
pub fn email(value: &str) -> Result<String, AppError> {
    let value = required("email", value, 254)?;
    let shaped = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !value.chars().any(char::is_whitespace);
    if !shaped {
        return Err(AppError::invalid(
            "email",
            "`email` is not an email address",
        ));
    }
    Ok(value)
}

pub fn password(value: &str) -> Result<String, AppError> {
    let len = value.chars().count();
    if !(8..=256).contains(&len) {
        return Err(AppError::invalid(
            "password",
            "`password` takes 8 to 256 characters",
        ));
    }
    Ok(value.to_owned())
}

/// A website: `http://` or `https://`, at most 200.
pub fn website(value: &str) -> Result<Option<String>, AppError> {
    let value = optional("website", value, 200)?;
    if let Some(v) = &value
        && (!(v.starts_with("https://") || v.starts_with("http://"))
            || v.contains(char::is_whitespace))
    {
        return Err(AppError::invalid(
            "website",
            "`website` must be an http:// or https:// address",
        ));
    }
    Ok(value)
}

/// A slug as given (lowercase letters, digits, single dashes), or one made from
/// `source` when none is given.
pub fn slug(given: Option<&str>, source: &str, max: usize) -> Result<String, AppError> {
    match given {
        Some(slug) => {
            let shaped = !slug.is_empty()
                && slug.split('-').all(|part| {
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                });
            if !shaped {
                return Err(AppError::invalid(
                    "slug",
                    "`slug` takes lowercase letters and digits in words joined by single dashes",
                ));
            }
            at_most("slug", slug, max)?;
            Ok(slug.to_owned())
        }
        None => {
            let made = slugify(source, max);
            if made.is_empty() {
                return Err(AppError::invalid(
                    "slug",
                    "no slug can be made from that text; give one",
                ));
            }
            Ok(made)
        }
    }
}

/// Lowercase ASCII words joined by dashes, cut at `max` on a word boundary if it can.
pub fn slugify(text: &str, max: usize) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut slug = String::new();
    for word in words {
        let extra = if slug.is_empty() {
            word.len()
        } else {
            word.len() + 1
        };
        if slug.len() + extra > max {
            if slug.is_empty() {
                slug = word[..max].to_owned();
            }
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word);
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(
            slugify("Getting started: Django 5!", 220),
            "getting-started-django-5"
        );
        assert_eq!(slugify("  --  ", 10), "");
        assert_eq!(slugify("abcdef ghij", 8), "abcdef");
        assert!(slug(Some("ok-slug-2"), "", 20).is_ok());
        assert!(slug(Some("Bad Slug"), "", 20).is_err());
        assert!(slug(Some("a--b"), "", 20).is_err());
        assert!(email("alice@example.com").is_ok());
        assert!(email("alice@localhost").is_err());
        assert!(email("a b@example.com").is_err());
        assert!(username("alice.m+1").is_ok());
        assert!(username("alice martin").is_err());
        assert!(website("ftp://x.y").is_err());
        assert_eq!(website(" ").ok(), Some(None));
    }
}
