/// Splits a migration file into single statements, because PostgresNIO sends one statement per
/// query. Written by hand: no package in reach does this, and a naive split on `;` breaks
/// function bodies. Understands `'...'` (with `''`), `E'...'` (with backslash escapes), `"..."`,
/// dollar quoting (`$$...$$`, `$tag$...$tag$`), `--` comments and nested `/* */` comments.
public enum SQLStatementSplitter {
    public static func split(_ sql: String) -> [String] {
        let chars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0
        var hasContent = false

        func flush() {
            let text = String(current).trimmingWhitespace()
            if hasContent, !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasContent = false
        }

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < chars.count ? chars[index + offset] : nil
        }

        while index < chars.count {
            let c = chars[index]
            if c == "-", peek(1) == "-" {
                // Line comment: skip to end of line (kept out of the statement text).
                while index < chars.count, chars[index] != "\n" { index += 1 }
                continue
            }
            if c == "/", peek(1) == "*" {
                var depth = 0
                repeat {
                    if chars[index] == "/", peek(1) == "*" { depth += 1; index += 2; continue }
                    if chars[index] == "*", peek(1) == "/" { depth -= 1; index += 2; continue }
                    index += 1
                } while index < chars.count && depth > 0
                current.append(" ")
                continue
            }
            if c == "'" {
                let escapes =
                    index > 0 && (chars[index - 1] == "E" || chars[index - 1] == "e")
                    && (index < 2 || !isIdentifierCharacter(chars[index - 2]))
                current.append(c)
                index += 1
                while index < chars.count {
                    let d = chars[index]
                    current.append(d)
                    index += 1
                    if escapes, d == "\\", index < chars.count {
                        current.append(chars[index])
                        index += 1
                    } else if d == "'" {
                        if peek(0) == "'" { current.append("'"); index += 1 } else { break }
                    }
                }
                hasContent = true
                continue
            }
            if c == "\"" {
                current.append(c)
                index += 1
                while index < chars.count {
                    let d = chars[index]
                    current.append(d)
                    index += 1
                    if d == "\"" {
                        if peek(0) == "\"" { current.append("\""); index += 1 } else { break }
                    }
                }
                hasContent = true
                continue
            }
            if c == "$", let tag = dollarTag(chars, at: index) {
                current.append(contentsOf: tag)
                index += tag.count
                while index < chars.count {
                    if chars[index] == "$", Array(chars[index..<min(chars.count, index + tag.count)]) == tag {
                        current.append(contentsOf: tag)
                        index += tag.count
                        break
                    }
                    current.append(chars[index])
                    index += 1
                }
                hasContent = true
                continue
            }
            if c == ";" {
                flush()
                index += 1
                continue
            }
            current.append(c)
            if !c.properties.isWhitespace { hasContent = true }
            index += 1
        }
        flush()
        return statements
    }

    /// A dollar-quote opening tag at `start` (`$$` or `$name$`), or nil for a parameter like `$1`.
    private static func dollarTag(_ chars: [Unicode.Scalar], at start: Int) -> [Unicode.Scalar]? {
        if start > 0, isIdentifierCharacter(chars[start - 1]) { return nil }
        var end = start + 1
        while end < chars.count, chars[end] != "$" {
            let c = chars[end]
            guard isIdentifierCharacter(c), !(end == start + 1 && c.properties.numericType != nil) else { return nil }
            end += 1
        }
        guard end < chars.count else { return nil }
        return Array(chars[start...end])
    }

    private static func isIdentifierCharacter(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
