//! Uploaded files on local disk: Django's `FileSystemStorage` under `MEDIA_ROOT`,
//! published at `MEDIA_URL`. A file is named by the SHA-256 of its bytes
//! (content-addressed), so a name never changes meaning: it is cached forever, and
//! the same image uploaded twice is stored once. A row holds a file by its name (as
//! an `ImageField` holds `avatars/<name>`), and a file goes when no row holds it.
//!
//! The files and the rows that hold them stay in step across every process sharing
//! the database and the folder: a write that adds a holder takes [`lock`] in its
//! transaction before it stores the file, so holds it to its commit, and
//! [`Media::release`] and [`Media::sweep`] take it in theirs before they check,
//! against committed rows, that no row holds a file and remove it.

use std::io;
use std::path::PathBuf;

use sea_orm::sea_query::{Condition, DynIden, IntoIden, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, Statement};
use sha2::{Digest, Sha256};

use crate::config::MediaConfig;
use crate::graphql::core::{Node, Parents};

/// The image formats an avatar may be, told by the file's first bytes (never its
/// name or the type the client claims): the formats every browser shows, and none
/// that can carry script (SVG).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Image {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl Image {
    /// The format `bytes` begin with, by each format's signature: PNG's eight bytes
    /// (PNG spec §5.2), JPEG's SOI marker and the next marker's `FF` (ITU T.81 B.1),
    /// `GIF87a`/`GIF89a`, and WebP's RIFF header with form type `WEBP` (RFC 9649 §2).
    pub fn sniff(bytes: &[u8]) -> Option<Image> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Image::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Image::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Image::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Image::Webp)
        } else {
            None
        }
    }

    /// The file name's extension, from which the file is served with its type.
    pub fn extension(self) -> &'static str {
        match self {
            Image::Png => "png",
            Image::Jpeg => "jpg",
            Image::Gif => "gif",
            Image::Webp => "webp",
        }
    }
}

/// A column holding the names of stored files (an `ImageField`), declared once in
/// the registry: its folder, and how its files are named in a delete report.
pub struct FileColumn<E: EntityTrait> {
    pub column: E::Column,
    /// The folder under the media folder (`upload_to`).
    pub folder: &'static str,
    /// The files as a delete report names them.
    pub label: &'static str,
}

/// A file column as the code that walks all of them sees it (the delete report,
/// [`Media::release`]).
pub trait Files: Sync {
    fn table(&self) -> DynIden;
    /// The folder under the media folder its files are in.
    fn folder(&self) -> &'static str;
    fn label(&self) -> &'static str;
    /// The files rows `ids` of its table hold and no other row does.
    fn only_held_by(&self, ids: &Parents) -> SelectStatement;
    /// Which of `names` some row holds.
    fn held(&self, names: &[String]) -> SelectStatement;
}

impl<E: Node> Files for FileColumn<E> {
    fn table(&self) -> DynIden {
        E::default().into_iden()
    }

    fn folder(&self) -> &'static str {
        self.folder
    }

    fn label(&self) -> &'static str {
        self.label
    }

    fn only_held_by(&self, ids: &Parents) -> SelectStatement {
        let rows = match ids {
            Parents::One(id) => E::ID.eq(*id),
            Parents::Query(ids) => E::ID.in_subquery(ids.as_ref().clone()),
        };
        let elsewhere = Query::select()
            .column(self.column)
            .from(E::default())
            .cond_where(
                Condition::all()
                    .add(self.column.is_not_null())
                    .add(Condition::not(Condition::all().add(rows.clone()))),
            )
            .take();
        Query::select()
            .distinct()
            .column(self.column)
            .from(E::default())
            .cond_where(
                Condition::all()
                    .add(rows)
                    .add(self.column.is_not_null())
                    .add(self.column.not_in_subquery(elsewhere)),
            )
            .take()
    }

    fn held(&self, names: &[String]) -> SelectStatement {
        Query::select()
            .distinct()
            .column(self.column)
            .from(E::default())
            .and_where(self.column.is_in(names.iter().cloned()))
            .take()
    }
}

/// The names a statement of [`Files`] selects.
pub async fn names(
    conn: &impl ConnectionTrait,
    stmt: &SelectStatement,
) -> Result<Vec<String>, sea_orm::DbErr> {
    conn.query_all(stmt)
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect()
}

/// A file just stored: its name, and whether this upload made it (it was not there
/// before), so that a write that fails removes only what it added.
pub struct Stored {
    pub name: String,
    pub created: bool,
}

/// The media folder and the URL it is published at.
pub struct Media {
    root: PathBuf,
    url: String,
}

/// Where files are written before they are complete: outside every served folder,
/// and on the same file system, so that a finished file is moved in by a rename
/// and no one ever reads half of one.
const INCOMING: &str = ".incoming";

impl Media {
    pub fn new(config: &MediaConfig) -> Media {
        let mut url = config.media_url.clone();
        if !url.ends_with('/') {
            url.push('/');
        }
        Media {
            root: config.media_dir.clone(),
            url,
        }
    }

    /// The URL a stored file is published at (Django's `FieldFile.url`).
    pub fn url(&self, name: &str) -> String {
        format!("{}{name}", self.url)
    }

    /// Stores `bytes` (an `image`) in `folder`, named by their hash; a file of the
    /// same bytes is already the one wanted. Call in a transaction holding [`lock`].
    pub async fn store(&self, folder: &str, image: Image, bytes: &[u8]) -> io::Result<Stored> {
        let hash = Sha256::digest(bytes);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("{folder}/{hex}.{}", image.extension());
        let path = self.root.join(&name);
        if tokio::fs::try_exists(&path).await? {
            return Ok(Stored {
                name,
                created: false,
            });
        }
        let incoming = self.root.join(INCOMING);
        tokio::fs::create_dir_all(&incoming).await?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let partial = incoming.join(&hex);
        let written = async {
            tokio::fs::write(&partial, bytes).await?;
            tokio::fs::rename(&partial, &path).await
        }
        .await;
        if let Err(err) = written {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(err);
        }
        Ok(Stored {
            name,
            created: true,
        })
    }

    /// Removes a stored file; one already gone is no error.
    pub async fn remove(&self, name: &str) {
        match tokio::fs::remove_file(self.root.join(name)).await {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => tracing::warn!(file = name, error = %err, "could not remove a stored file"),
        }
    }

    /// Removes those of `names` that no committed row of `columns` holds, after a
    /// write that let go of them has committed; `conn` is a transaction of its
    /// own, which this locks (see [`lock`]). A file that cannot be removed stays
    /// (a file left over is harmless, and `blogql media gc` takes it later; a row
    /// holding a removed one is not).
    pub async fn release(
        &self,
        conn: &impl ConnectionTrait,
        columns: &[&dyn Files],
        mut names: Vec<String>,
    ) -> Result<(), sea_orm::DbErr> {
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Ok(());
        }
        lock(conn).await?;
        let mut kept = Vec::new();
        for column in columns {
            kept.extend(self::names(conn, &column.held(&names)).await?);
        }
        for name in names.iter().filter(|n| !kept.contains(n)) {
            self.remove(name).await;
        }
        Ok(())
    }
}

/// Locks the stored files for the rest of `conn`'s transaction: the one row of
/// `media_lock`, `FOR UPDATE`. SQLite has no row locks and needs none: its
/// writers take turns (`db::WriteLock`, and the database's own write lock).
pub async fn lock(conn: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Sqlite {
        return Ok(());
    }
    let sql = "SELECT id FROM media_lock WHERE id = 1 FOR UPDATE";
    conn.query_one_raw(Statement::from_string(backend, sql))
        .await
        .map(|_| ())
}

impl Media {
    /// Removes (or, on a dry run, only lists) what no row holds: files of
    /// `columns`' folders and unfinished uploads, older than `older_than` (an
    /// upload in flight stores its file before the commit that names it). `conn`
    /// is a transaction of its own, which this locks (see [`lock`]). The names
    /// removed, relative to the media folder.
    pub async fn sweep(
        &self,
        conn: &impl ConnectionTrait,
        columns: &[&dyn Files],
        older_than: std::time::Duration,
        dry_run: bool,
    ) -> Result<Vec<String>, SweepError> {
        lock(conn).await?;
        let mut unheld = self.older(INCOMING, older_than).await?;
        for column in columns {
            let stored = self.older(column.folder(), older_than).await?;
            // A few hundred names per statement keep its IN list small.
            for names in stored.chunks(500) {
                let held = self::names(conn, &column.held(names)).await?;
                unheld.extend(names.iter().filter(|n| !held.contains(n)).cloned());
            }
        }
        if !dry_run {
            for name in &unheld {
                tokio::fs::remove_file(self.root.join(name)).await?;
            }
        }
        Ok(unheld)
    }

    /// The files of `folder` last changed before `older_than` ago, as names
    /// relative to the media folder; none when the folder does not exist.
    async fn older(
        &self,
        folder: &str,
        older_than: std::time::Duration,
    ) -> io::Result<Vec<String>> {
        let mut entries = match tokio::fs::read_dir(self.root.join(folder)).await {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        let mut found = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let meta = entry.metadata().await?;
            let age = meta.modified()?.elapsed().unwrap_or_default();
            if meta.is_file() && age >= older_than {
                found.push(format!("{folder}/{}", entry.file_name().to_string_lossy()));
            }
        }
        found.sort();
        Ok(found)
    }
}

/// Why a sweep stopped; what it removed before is gone.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("the media folder: {0}")]
    Io(#[from] io::Error),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

#[cfg(test)]
mod tests {
    use super::Image;

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(
            Image::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(Image::Png)
        );
        assert_eq!(
            Image::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
            Some(Image::Jpeg)
        );
        assert_eq!(Image::sniff(b"GIF89a\x01\0\x01\0"), Some(Image::Gif));
        assert_eq!(Image::sniff(b"GIF87a\x01\0\x01\0"), Some(Image::Gif));
        assert_eq!(Image::sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(Image::Webp));
        // Near misses: a RIFF that is not WebP, SVG, text, a cut-off signature.
        assert_eq!(Image::sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(
            Image::sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            None
        );
        assert_eq!(Image::sniff(b"hello.png"), None);
        assert_eq!(Image::sniff(b"\x89PNG"), None);
        assert_eq!(Image::sniff(b"RIFF"), None);
        assert_eq!(Image::sniff(b""), None);
    }
}
