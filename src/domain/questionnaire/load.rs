//! The only I/O of the engine: reading form files. Kept apart from `parse` so everything
//! else stays pure.

use std::collections::HashMap;
use std::path::Path;

use super::error::QuestionnaireError;
use super::model::Questionnaire;
use super::parse::parse;

/// Forms are small; anything bigger is not a form and must not eat the kiosk's memory.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

fn source_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads and parses one Questionnaire file; errors name the file by its file name.
pub fn load_file(path: &Path) -> Result<Questionnaire, QuestionnaireError> {
    let name = source_name(path);
    let io = |reason: String| QuestionnaireError::Io {
        file: name.clone(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| io(e.kind().to_string()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(io(format!("larger than {MAX_FILE_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| io(e.kind().to_string()))?;
    parse(&text, &name)
}

/// Loads every `*.json` in `dir`, in file-name order. A broken file is reported and skipped
/// so the kiosk keeps working with the other forms; so is a second file with the same
/// url|version as one already loaded.
pub fn load_dir(dir: &Path) -> (Vec<Questionnaire>, Vec<QuestionnaireError>) {
    let mut errors = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(QuestionnaireError::Io {
                file: dir.display().to_string(),
                reason: e.kind().to_string(),
            });
            return (Vec::new(), errors);
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|x| x.to_string_lossy().eq_ignore_ascii_case("json"))
        })
        .collect();
    paths.sort();
    let mut forms: Vec<Questionnaire> = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in paths {
        match load_file(&path) {
            Ok(q) => {
                let canonical = q.canonical();
                if let Some(other) = seen.get(&canonical) {
                    errors.push(QuestionnaireError::DuplicateQuestionnaire {
                        file: q.source_name.clone(),
                        canonical,
                        other: other.clone(),
                    });
                } else {
                    seen.insert(canonical, q.source_name.clone());
                    forms.push(q);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (forms, errors)
}
