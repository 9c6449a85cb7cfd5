/// Language tags for playlists: HLS `LANGUAGE` and DASH `lang` take RFC 5646
/// (BCP 47) tags, where the two-letter ISO 639-1 code is the one to use when
/// there is one; MP4 `mdhd` carries ISO 639-2 three-letter codes (`eng`, `fre`).
public enum Language {
    /// ISO 639-2 (both the T and B forms) → ISO 639-1, for the languages most films carry.
    static let twoLetter: [String: String] = [
        "eng": "en", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "spa": "es", "ita": "it", "por": "pt",
        "nld": "nl", "dut": "nl", "rus": "ru", "jpn": "ja", "zho": "zh", "chi": "zh", "kor": "ko", "ara": "ar",
        "hin": "hi", "swe": "sv", "nor": "no", "dan": "da", "fin": "fi", "pol": "pl", "tur": "tr", "ces": "cs",
        "cze": "cs", "ell": "el", "gre": "el", "heb": "he", "hun": "hu", "ukr": "uk", "ron": "ro", "rum": "ro",
        "cat": "ca", "vie": "vi", "tha": "th", "ind": "id", "msa": "ms", "may": "ms", "fas": "fa", "per": "fa",
    ]

    static let names: [String: String] = [
        "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
        "nl": "Dutch", "ru": "Russian", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "ar": "Arabic",
        "hi": "Hindi", "sv": "Swedish", "no": "Norwegian", "da": "Danish", "fi": "Finnish", "pl": "Polish",
        "tr": "Turkish", "cs": "Czech", "el": "Greek", "he": "Hebrew", "hu": "Hungarian", "uk": "Ukrainian",
        "ro": "Romanian", "ca": "Catalan", "vi": "Vietnamese", "th": "Thai", "id": "Indonesian", "ms": "Malay",
        "fa": "Persian",
    ]

    /// The tag for `code` (`eng` → `en`, `pt-BR` kept), nil for none (`und`, empty, not a tag).
    public static func tag(_ code: String) -> String? {
        let lower = code.lowercased()
        guard !lower.isEmpty, lower != "und", lower.count <= 35,
              lower.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }),
              lower.first?.isLetter == true else { return nil }
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        let primary = parts[0].lowercased()
        let rest = parts.dropFirst().map(String.init)
        return ([twoLetter[primary] ?? primary] + rest).joined(separator: "-")
    }

    /// A name to show for a tag (`en` → English, `pt-BR` → Portuguese (BR)), the tag itself when unknown.
    public static func name(_ tag: String) -> String {
        let parts = tag.split(separator: "-")
        guard let primary = parts.first, let name = names[String(primary)] else { return tag }
        return parts.count > 1 ? "\(name) (\(parts.dropFirst().joined(separator: "-")))" : name
    }
}
