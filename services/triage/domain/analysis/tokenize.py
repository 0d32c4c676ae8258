"""Text normalisation and tokenisation for Chinese (jieba) and English (a word pattern)."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

import jieba

# Placeholders that replace what carries no words of its own. They are written in angle brackets so
# they can never collide with a jieba word, and are kept whole by ``tokenize``.
URL_TAG = "<url>"
USER_TAG = "<user>"
EMOJI_CLASSES = ("angry", "sad", "disgust", "down", "meh", "happy", "love", "laugh", "up", "other")

_EMOJI_CLASS_OF: dict[str, str] = {}
for _cls, _chars in {
    "angry": "😡😠🤬👿💢😤🖕",
    "sad": "😭😢😞😔😟😩😫😣😖☹🙁💔😿😥😰",
    "disgust": "🤮🤢💩",
    "down": "👎",
    "meh": "🙄😒😑😐🤦🤷😓😕🫠😶",
    "happy": "😀😃😄😁😊🙂😆😇🤩☺😋🥳😌😎",
    "love": "❤😍🥰😘💕💖💗💞💓♥",
    "laugh": "😂🤣",
    "up": "👍👌💯🙏👏🎉✨🌟⭐🏆🤝",
}.items():
    for _ch in _chars:
        _EMOJI_CLASS_OF[_ch] = _cls

# Weibo-style bracket emoticons and a few ASCII ones.
_BRACKET_EMOTICONS: dict[str, str] = {
    "怒": "angry",
    "抓狂": "angry",
    "哼": "angry",
    "怒骂": "angry",
    "生气": "angry",
    "泪": "sad",
    "悲伤": "sad",
    "失望": "sad",
    "衰": "sad",
    "可怜": "sad",
    "伤心": "sad",
    "委屈": "sad",
    "吐": "disgust",
    "鄙视": "disgust",
    "弱": "down",
    "白眼": "meh",
    "汗": "meh",
    "晕": "meh",
    "无语": "meh",
    "允悲": "meh",
    "摊手": "meh",
    "哈哈": "laugh",
    "笑cry": "laugh",
    "嘻嘻": "happy",
    "开心": "happy",
    "太开心": "happy",
    "爱你": "love",
    "心": "love",
    "赞": "up",
    "good": "up",
    "给力": "up",
    "鼓掌": "up",
    "威武": "up",
    "棒": "up",
    "ok": "up",
}
_ASCII_EMOTICONS: dict[str, str] = {
    ":)": "happy",
    ":-)": "happy",
    ":d": "happy",
    ":-d": "happy",
    "^_^": "happy",
    "^^": "happy",
    ":(": "sad",
    ":-(": "sad",
    ":'(": "sad",
    "t_t": "sad",
    "qaq": "sad",
    "orz": "meh",
    ":/": "meh",
    ">:(": "angry",
}

_URL_RE = re.compile(r"(?:https?://|www\.)[^\s\u3000-\u303f\uff01-\uff5e\u4e00-\u9fff]+", re.IGNORECASE)
# A mention stops at whitespace or punctuation; names longer than 15 characters are cut there.
_MENTION_RE = re.compile(r"(?<![\w.])@[\w\-·]{1,15}")
_BRACKET_RE = re.compile(r"\[([^\[\]\s]{1,4})\]")


def _emoticon_pattern(emoticon: str) -> str:
    # An emoticon that starts or ends with a letter ("orz", ":d") must not be part of a word.
    head = r"(?<![a-z0-9])" if emoticon[0].isalnum() else ""
    tail = r"(?![a-z0-9])" if emoticon[-1].isalnum() else ""
    return head + re.escape(emoticon) + tail


_ASCII_EMOTICON_RE = re.compile(
    "|".join(_emoticon_pattern(e) for e in sorted(_ASCII_EMOTICONS, key=len, reverse=True)), re.IGNORECASE
)
# Emoji blocks; modifiers (skin tone, variation selectors, zero-width joiner) are dropped first.
_EMOJI_MODIFIERS_RE = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f\u200d\u20e3]")
_EMOJI_RE = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2190-\u21ff\u2300-\u23ff\u2764\u2665]")
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff\ufeff\u200b\u200c]")
_REPEAT_RE = re.compile(r"(\D)\1{3,}")
_SPACE_RE = re.compile(r"\s+")

TAG_RE = re.compile(r"<(?:url|user|emo:[a-z]+)>")
HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EN_WORD_RE = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")


def emoji_tag(cls: str) -> str:
    """Placeholder for an emoji class, e.g. ``<emo:angry>``."""
    return f"<emo:{cls}>"


def _emoji_sub(match: re.Match[str]) -> str:
    return f" {emoji_tag(_EMOJI_CLASS_OF.get(match.group(0), 'other'))} "


def _bracket_sub(match: re.Match[str]) -> str:
    cls = _BRACKET_EMOTICONS.get(match.group(1).lower())
    return match.group(0) if cls is None else f" {emoji_tag(cls)} "


def _ascii_emoticon_sub(match: re.Match[str]) -> str:
    return f" {emoji_tag(_ASCII_EMOTICONS[match.group(0).lower()])} "


def normalize(text: str) -> str:
    """Canonical lower-case text: half-width, URLs/@mentions/emoji as tags, runs of a character cut to 3."""
    text = _PRIVATE_USE_RE.sub("", unicodedata.normalize("NFKC", text))
    text = _URL_RE.sub(f" {URL_TAG} ", text)
    text = _MENTION_RE.sub(f" {USER_TAG} ", text)
    # ASCII emoticons before the other tags, which contain ":" followed by letters.
    text = _ASCII_EMOTICON_RE.sub(_ascii_emoticon_sub, text)
    text = _BRACKET_RE.sub(_bracket_sub, text)
    text = _EMOJI_MODIFIERS_RE.sub("", text)
    text = _EMOJI_RE.sub(_emoji_sub, text)
    text = _REPEAT_RE.sub(r"\1\1\1", text.lower())
    return _SPACE_RE.sub(" ", text).strip()


_jieba_lock = threading.Lock()
_jieba: jieba.Tokenizer | None = None


def jieba_tokenizer() -> jieba.Tokenizer:
    """The process's jieba tokenizer with its bundled dictionary, initialised once and quietly."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


def split_tags(normalized: str) -> list[tuple[bool, str]]:
    """Split normalised text into (is_tag, piece) pairs, keeping tags whole."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    for match in TAG_RE.finditer(normalized):
        if match.start() > pos:
            pieces.append((False, normalized[pos : match.start()]))
        pieces.append((True, match.group(0)))
        pos = match.end()
    if pos < len(normalized):
        pieces.append((False, normalized[pos:]))
    return pieces


def english_words(text: str) -> list[str]:
    """Lower-case English words (contractions and hyphenated words kept whole)."""
    return _EN_WORD_RE.findall(text.lower())


def tokenize(text: str) -> list[str]:
    """Words of a text: jieba for Chinese, a word pattern for English; tags for URLs, @mentions, emoji."""
    tokens: list[str] = []
    for is_tag, piece in split_tags(normalize(text)):
        if is_tag:
            tokens.append(piece)
        elif HAN_RE.search(piece):
            tokens.extend(t.strip() for t in jieba_tokenizer().lcut(piece) if _is_word(t))
        else:
            tokens.extend(english_words(piece))
    return tokens
