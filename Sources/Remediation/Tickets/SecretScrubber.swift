import Foundation

/// Removes what looks like a secret from any text that enters a ticket: PEM blocks, bearer and
/// basic credentials, JWTs, and the value of `token:`/`password=`/`secret`/`api-key`-like fields.
/// A ticket leaves the cluster (a webhook, a file), so this errs on the side of redacting.
public enum SecretScrubber {
    public static let marker = "[REDACTED]"

    /// Patterns and their replacements, applied in order (PEM first: it spans lines).
    private static let rules: [(pattern: String, template: String)] = [
        ("-----BEGIN [A-Z0-9 ]*-----[\\s\\S]*?(-----END [A-Z0-9 ]*-----|$)", "[REDACTED PEM BLOCK]"),
        ("(?i)\\b(bearer|basic)(\\s+)[A-Za-z0-9\\-._~+/=]{4,}", "$1$2\(marker)"),
        ("\\beyJ[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]*", marker),
        ("(?i)([\"']?[A-Za-z0-9_\\-]*(token|password|passwd|secret|api[_\\-]?key|authorization|credential|private[_\\-]?key)[A-Za-z0-9_\\-]*[\"']?\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;}\\]]+)",
         "$1\(marker)"),
        ("(?i)(://[^/\\s:@]+:)[^/\\s@]+@", "$1\(marker)@"),
    ]

    public static func scrub(_ text: String) -> String {
        var out = text
        for rule in rules {
            guard let regex = try? NSRegularExpression(pattern: rule.pattern) else { continue }
            let range = NSRange(out.startIndex..., in: out)
            out = regex.stringByReplacingMatches(in: out, options: [], range: range, withTemplate: rule.template)
        }
        return out
    }
}
