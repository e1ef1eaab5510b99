"""CI `language-type` codes <-> Tesseract traineddata, and which traineddata is installed.

Why a table and not a guess: the API page promises that every language type also reads English
mixed in, so scripts that do not contain Latin letters get `+eng`; Latin-script languages' models
already cover English letters and adding `eng` would only cost time. `auto` is resolved from the
script Tesseract's OSD reports (and, for Latin script, from stop words in a first English pass, see
`guess_latin`). A missing traineddata file is a client-visible `UnsupportedLanguage` naming the
Debian package that provides it, so an operator knows what to install.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

from cos_ocr_emulator.errors import CosError

# CI code -> Tesseract languages, in priority order (Tesseract tries them in this order).
TESSERACT_LANGUAGES: dict[str, str] = {
    "zh": "chi_sim+eng",
    "zh_rare": "chi_sim+chi_tra+eng",
    "mix": "chi_sim+eng+jpn+kor",
    "jap": "jpn+eng",
    "kor": "kor+eng",
    "spa": "spa",
    "fre": "fra",
    "ger": "deu",
    "por": "por",
    "vie": "vie",
    "may": "msa",
    "rus": "rus+eng",
    "ita": "ita",
    "hol": "nld",
    "swe": "swe",
    "fin": "fin",
    "dan": "dan",
    "nor": "nor",
    "hun": "hun",
    "tha": "tha+eng",
    "hi": "hin+eng",
    "ara": "ara+eng",
}

# Tesseract OSD script name -> CI code, for language-type=auto. Latin is resolved separately.
SCRIPT_LANGUAGES: dict[str, str] = {
    "Han": "zh",
    "Japanese": "jap",
    "Hiragana": "jap",
    "Katakana": "jap",
    "Korean": "kor",
    "Hangul": "kor",
    "Cyrillic": "rus",
    "Thai": "tha",
    "Devanagari": "hi",
    "Arabic": "ara",
}

# Frequent short words that tell Latin-script languages apart in a first English pass.
_STOP_TEXT: dict[str, str] = {
    "spa": "el la los las y de que en por con para una es del se",
    "fre": "le la les et des est une du que pour dans pas sur au avec",
    "ger": "der die das und ist nicht ein eine mit den von zu sich auf dem",
    "por": "o os as e de que do da em um uma para com não dos",
    "ita": "il lo gli e di che la per non una sono del della con",
    "hol": "de het een en van is dat niet op te zijn voor met",
    "swe": "och att det som en är på för med inte av till den",
    "dan": "og at det som en er på for med ikke af til den har",
    "nor": "og å det som en er på for med ikke av til den har",
    "fin": "ja on ei se että oli hän kun mutta niin myös joka",
    "hun": "a az és hogy nem egy is van meg de ez már",
    "may": "dan yang di ini itu dengan untuk tidak dari ke ada akan",
    "vie": "và của là có không những được trong cho người một các",
    "eng": "the and of to in is that for it with as was on be by this are",
}
_STOP_WORDS = {code: frozenset(words.split()) for code, words in _STOP_TEXT.items()}

DEFAULT_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")


def tesseract_languages(code: str) -> str:
    """The `-l` value for a CI code (not `auto`, which must be resolved first)."""
    return TESSERACT_LANGUAGES[code]


def for_script(script: str | None) -> str | None:
    """CI code for an OSD script name; None for Latin or unknown scripts (the caller decides)."""
    return SCRIPT_LANGUAGES.get(script or "")


def guess_latin(text: str) -> str | None:
    """The non-English Latin-script CI code whose stop words dominate `text`, or None for English/unknown."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) < 4:
        return None
    scores = {code: sum(word in stops for word in words) for code, stops in _STOP_WORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    if best == "eng" or scores[best] < max(2, len(words) // 10) or scores[best] <= scores["eng"]:
        return None
    return best


@functools.cache
def tessdata_dir() -> Path:
    """Where the traineddata files are: $TESSDATA_PREFIX, else what the tesseract CLI reports.

    The tesserocr wheel bundles its own libtesseract whose compiled-in default path is not Debian's,
    so both backends are always given this directory explicitly.
    """
    env = os.environ.get("TESSDATA_PREFIX")
    if env and Path(env).is_dir():
        return Path(env)
    exe = shutil.which("tesseract")
    if exe:
        try:
            done = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
            match = re.search(r'"([^"]+)"', done.stdout + done.stderr)
            if match and Path(match.group(1)).is_dir():
                return Path(match.group(1))
        except (OSError, subprocess.SubprocessError):
            pass
    return DEFAULT_TESSDATA


@functools.cache
def installed_languages() -> frozenset[str]:
    """Names of the installed traineddata files (`eng`, `chi_sim`, `osd`, ...)."""
    try:
        return frozenset(path.stem for path in tessdata_dir().glob("*.traineddata"))
    except OSError:
        return frozenset()


def debian_package(tesseract_language: str) -> str:
    """Debian's package for a traineddata: `chi_sim` -> `tesseract-ocr-chi-sim`."""
    return "tesseract-ocr-" + tesseract_language.replace("_", "-")


def require_installed(languages: str, code: str) -> None:
    """Raise `UnsupportedLanguage` unless every language of `languages` (`a+b`) is installed."""
    missing = [lang for lang in languages.split("+") if lang not in installed_languages()]
    if missing:
        packages = " ".join(debian_package(lang) for lang in missing)
        raise CosError(
            "UnsupportedLanguage",
            f"language-type {code} needs Tesseract data {'+'.join(missing)}, which is not installed "
            f"(Debian: apt-get install {packages}).",
        )
