"""language-type=auto: which language a page is in, decided from the characters read (OSD as a hint)."""

from __future__ import annotations

from collections.abc import Callable

from cos_ocr_emulator.ocr import languages
from cos_ocr_emulator.ocr.engine import RawLine
from cos_ocr_emulator.ocr.lines import cjk_language

AUTO_SURE_SCRIPT = 3.0  # OSD script confidence above which auto trusts a non-CJK script outright
CJK_CODES = {"zh", "jap", "kor"}


def read_auto(
    script: str | None, script_confidence: float, read: Callable[[str], list[RawLine]]
) -> tuple[str, list[RawLine]]:
    """language-type=auto: the language from the script of the characters read, OSD as a hint.

    OSD alone misnames short CJK text (a Chinese receipt with digits comes back as Cyrillic or
    Japanese). So unless OSD is sure of a non-CJK script, the page is first read with the CJK
    models together, and the characters decide: kana means Japanese, Hangul Korean, Han alone
    Chinese. Latin text is then told apart by stop words (`languages.guess_latin`).
    """
    code = languages.for_script(script)
    if script_confidence < AUTO_SURE_SCRIPT or code in CJK_CODES or script is None:
        probe = read(languages.tesseract_languages("mix"))
        decided = cjk_language(probe)
        if decided is not None:
            return decided, read(languages.tesseract_languages(decided))
        if code in CJK_CODES or script_confidence < AUTO_SURE_SCRIPT:
            code = None  # the characters are not CJK: treat the page as Latin
    if code is not None:
        languages.require_installed(languages.tesseract_languages(code), code)
        return code, read(languages.tesseract_languages(code))
    raw = read("eng")
    guess = languages.guess_latin(" ".join(w.text for line in raw for w in line.words))
    if guess is None:
        return "zh", raw if "chi_sim" not in languages.installed_languages() else read("chi_sim+eng")
    languages.require_installed(languages.tesseract_languages(guess), guess)
    return guess, read(languages.tesseract_languages(guess))
