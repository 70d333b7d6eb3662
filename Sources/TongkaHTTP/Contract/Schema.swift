import Foundation
import TongkaDomain
import Yams

// The JSON Schema subset the contract validator enforces.
//
// Hand-written: none of the packages available to this build (see Package.swift and the local
// package mirror) validates JSON Schema, and swift-openapi-generator's code checks only types,
// `required` and `additionalProperties: false`, not lengths, patterns, ranges or formats. The
// subset is what OpenAPI 3.1 documents like ours use; a keyword outside it stops the server at
// start (``ContractDocumentError``) instead of being ignored, so the document never promises a
// check the server does not make.

/// A problem in the OpenAPI document itself, found when the validator is built.
public struct ContractDocumentError: Error, Sendable, CustomStringConvertible {
    public let location: String
    public let reason: String
    public var description: String { "openapi.yaml \(location): \(reason)" }
}

/// A value that breaks the contract: where (a JSON pointer into the request) and what is wrong.
struct ContractViolation: Error, Sendable, Equatable, CustomStringConvertible {
    let pointer: String
    let reason: String
    /// The stable code the document names for this value (`x-error-code` on the innermost schema
    /// that has one), so a bad card number answers `invalid_card_number` whether the contract or
    /// the domain notices it first; nil: `malformed_request`.
    var code: ErrorCode? = nil
    /// A value of the wrong JSON type (`"code": 5` for a hall code): the request is malformed,
    /// whatever code the schema names for a value that breaks its rules.
    var wrongType = false
    var description: String { "\(pointer): \(reason)" }
}

/// A compiled schema: every keyword read and checked once, patterns compiled once.
final class Schema: Sendable {
    enum JSONType: String, Sendable, CaseIterable {
        case string, integer, number, boolean, object, array, null
    }

    enum Format: String, Sendable {
        case int32, int64, date
        case dateTime = "date-time"
    }

    let types: [JSONType]?
    let format: Format?
    let enumValues: [JSONValue]?
    let constValue: JSONValue?
    let required: [String]
    let properties: [String: Schema]
    /// nil: any other member is allowed.
    let additionalProperties: Schema?
    let minProperties: Int?
    let maxProperties: Int?
    let minLength: Int?
    let maxLength: Int?
    let pattern: Pattern?
    let minimum: JSONNumber?
    let maximum: JSONNumber?
    let exclusiveMinimum: JSONNumber?
    let exclusiveMaximum: JSONNumber?
    let multipleOf: Double?
    let minItems: Int?
    let maxItems: Int?
    let uniqueItems: Bool
    let items: Schema?
    /// The name of a component schema this one also has to satisfy.
    let ref: String?
    let allOf: [Schema]
    let anyOf: [Schema]
    let oneOf: [Schema]
    let not: Schema?
    /// The boolean schema `false`: nothing is valid.
    let rejectsEverything: Bool
    /// `x-error-code`: the error code a violation inside this schema answers with.
    let errorCode: ErrorCode?

    /// `false` as a schema (as in `additionalProperties: false`).
    static let never = Schema(rejectsEverything: true)

    private init(rejectsEverything: Bool) {
        types = nil; format = nil; enumValues = nil; constValue = nil; required = []; properties = [:]
        additionalProperties = nil; minProperties = nil; maxProperties = nil; minLength = nil; maxLength = nil
        pattern = nil; minimum = nil; maximum = nil; exclusiveMinimum = nil; exclusiveMaximum = nil; multipleOf = nil
        minItems = nil; maxItems = nil; uniqueItems = false; items = nil; ref = nil; allOf = []; anyOf = []; oneOf = []
        not = nil
        errorCode = nil
        self.rejectsEverything = rejectsEverything
    }

    /// Keywords that only describe and never constrain.
    static let annotations: Set<String> = [
        "title", "description", "default", "example", "examples", "deprecated", "readOnly", "writeOnly",
        "contentMediaType", "contentEncoding", "$comment", "xml", "externalDocs", "discriminator",
    ]

    /// Formats that only describe (OpenAPI's number and password formats).
    static let annotationFormats: Set<String> = ["float", "double", "password"]

    /// Compiles a schema node; `location` names it in errors, `components` are the names `$ref`
    /// may point at.
    static func compile(_ node: Node, location: String, components: Set<String>) throws(ContractDocumentError) -> Schema {
        if let flag = node.scalar.flatMap(Bool.construct) {
            // Boolean schemas (3.1): `true` allows anything, `false` nothing.
            return flag ? always : never
        }
        guard let mapping = node.mapping else {
            throw ContractDocumentError(location: location, reason: "a schema must be a mapping or a boolean")
        }
        return try Schema(mapping: mapping, location: location, components: components)
    }

    /// `true` as a schema.
    static let always = Schema(rejectsEverything: false)

    private init(mapping: Node.Mapping, location: String, components: Set<String>) throws(ContractDocumentError) {
        func fail(_ reason: String) -> ContractDocumentError { ContractDocumentError(location: location, reason: reason) }
        var keywords: [String: Node] = [:]
        var errorCode: ErrorCode?
        for (key, value) in mapping {
            guard let name = key.string else { throw fail("a schema keyword must be a string") }
            if name == "x-error-code" {
                guard let raw = value.string, let code = ErrorCode(rawValue: raw) else {
                    throw fail("`x-error-code` must name a code of TongkaDomain's ErrorCode")
                }
                errorCode = code
                continue
            }
            if name.hasPrefix("x-") || Self.annotations.contains(name) { continue }
            keywords[name] = value
        }
        self.errorCode = errorCode
        let supported: Set<String> = [
            "type", "format", "enum", "const", "required", "properties", "additionalProperties", "minProperties",
            "maxProperties", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "items", "$ref", "allOf", "anyOf",
            "oneOf", "not",
        ]
        if let unknown = keywords.keys.filter({ !supported.contains($0) }).sorted().first {
            throw fail(
                "the contract validator does not enforce `\(unknown)`; teach it (Sources/TongkaHTTP/Contract) or leave it out")
        }

        func child(_ node: Node, _ suffix: String) throws(ContractDocumentError) -> Schema {
            try Schema.compile(node, location: location + "/" + suffix, components: components)
        }
        func count(_ name: String) throws(ContractDocumentError) -> Int? {
            guard let node = keywords[name] else { return nil }
            guard let value = node.int, value >= 0 else { throw fail("`\(name)` must be a non-negative integer") }
            return value
        }
        func number(_ name: String) throws(ContractDocumentError) -> JSONNumber? {
            guard let node = keywords[name] else { return nil }
            guard let value = Self.jsonValue(node), case .number(let number) = value else {
                throw fail("`\(name)` must be a number")
            }
            return number
        }
        func list(_ name: String) throws(ContractDocumentError) -> [Schema] {
            guard let node = keywords[name] else { return [] }
            guard case .sequence(let sequence) = node, !sequence.isEmpty else { throw fail("`\(name)` must be a non-empty list") }
            var schemas: [Schema] = []
            for (index, element) in sequence.enumerated() { schemas.append(try child(element, "\(name)/\(index)")) }
            return schemas
        }

        if let node = keywords["type"] {
            let names: [String]
            if case .sequence(let sequence) = node {
                names = sequence.compactMap(\.string)
            } else {
                names = node.string.map { [$0] } ?? []
            }
            var parsed: [JSONType] = []
            for name in names {
                guard let type = JSONType(rawValue: name) else { throw fail("unknown type `\(name)`") }
                parsed.append(type)
            }
            guard !parsed.isEmpty else { throw fail("`type` must name a type or a list of types") }
            types = parsed
        } else {
            types = nil
        }
        if let node = keywords["format"] {
            guard let name = node.string else { throw fail("`format` must be a string") }
            if let known = Format(rawValue: name) {
                format = known
            } else if Self.annotationFormats.contains(name) {
                format = nil
            } else {
                throw fail("the contract validator does not check `format: \(name)`; teach it or leave it out")
            }
        } else {
            format = nil
        }
        if let node = keywords["enum"] {
            guard case .sequence(let sequence) = node, !sequence.isEmpty else { throw fail("`enum` must be a non-empty list") }
            var values: [JSONValue] = []
            for element in sequence {
                guard let value = Self.jsonValue(element) else { throw fail("an `enum` value must be plain JSON") }
                values.append(value)
            }
            enumValues = values
        } else {
            enumValues = nil
        }
        if let node = keywords["const"] {
            guard let value = Self.jsonValue(node) else { throw fail("`const` must be plain JSON") }
            constValue = value
        } else {
            constValue = nil
        }
        if let node = keywords["required"] {
            guard case .sequence(let sequence) = node else { throw fail("`required` must be a list of names") }
            required = sequence.compactMap(\.string)
            guard required.count == sequence.count else { throw fail("`required` must be a list of names") }
        } else {
            required = []
        }
        var properties: [String: Schema] = [:]
        if let node = keywords["properties"] {
            guard let mapping = node.mapping else { throw fail("`properties` must be a mapping") }
            for (key, value) in mapping {
                guard let name = key.string else { throw fail("a property name must be a string") }
                properties[name] = try child(value, "properties/\(JSONPointer.escape(name))")
            }
        }
        self.properties = properties
        if let node = keywords["additionalProperties"] {
            let allowed = try child(node, "additionalProperties")
            // `true` (or an empty schema) is the same as leaving it out.
            additionalProperties = allowed.isEmpty ? nil : allowed
        } else {
            additionalProperties = nil
        }
        minProperties = try count("minProperties")
        maxProperties = try count("maxProperties")
        minLength = try count("minLength")
        maxLength = try count("maxLength")
        if let node = keywords["pattern"] {
            guard let source = node.string else { throw fail("`pattern` must be a string") }
            do {
                pattern = try Pattern(source)
            } catch {
                throw fail("`pattern` \(source) does not compile")
            }
        } else {
            pattern = nil
        }
        minimum = try number("minimum")
        maximum = try number("maximum")
        // OpenAPI 3.0 wrote exclusive bounds as booleans beside minimum/maximum; 3.1 as numbers.
        if let flag = keywords["exclusiveMinimum"]?.scalar.flatMap(Bool.construct) {
            if flag {
                guard let minimum else { throw fail("`exclusiveMinimum: true` needs `minimum`") }
                exclusiveMinimum = minimum
            } else {
                exclusiveMinimum = nil
            }
        } else {
            exclusiveMinimum = try number("exclusiveMinimum")
        }
        if let flag = keywords["exclusiveMaximum"]?.scalar.flatMap(Bool.construct) {
            if flag {
                guard let maximum else { throw fail("`exclusiveMaximum: true` needs `maximum`") }
                exclusiveMaximum = maximum
            } else {
                exclusiveMaximum = nil
            }
        } else {
            exclusiveMaximum = try number("exclusiveMaximum")
        }
        if let divisor = try number("multipleOf") {
            guard divisor.double > 0 else { throw fail("`multipleOf` must be greater than 0") }
            multipleOf = divisor.double
        } else {
            multipleOf = nil
        }
        minItems = try count("minItems")
        maxItems = try count("maxItems")
        if let node = keywords["uniqueItems"] {
            guard let flag = node.scalar.flatMap(Bool.construct) else { throw fail("`uniqueItems` must be a boolean") }
            uniqueItems = flag
        } else {
            uniqueItems = false
        }
        items = try keywords["items"].map { node throws(ContractDocumentError) in try child(node, "items") }
        if let node = keywords["$ref"] {
            let prefix = "#/components/schemas/"
            guard let target = node.string, target.hasPrefix(prefix) else { throw fail("`$ref` must point into \(prefix)") }
            let name = String(target.dropFirst(prefix.count))
            guard components.contains(name) else { throw fail("`$ref` \(target) names no schema") }
            ref = name
        } else {
            ref = nil
        }
        allOf = try list("allOf")
        anyOf = try list("anyOf")
        oneOf = try list("oneOf")
        not = try keywords["not"].map { node throws(ContractDocumentError) in try child(node, "not") }
        rejectsEverything = false
    }

    /// No keyword at all: every value is valid.
    private var isEmpty: Bool {
        !rejectsEverything && types == nil && format == nil && enumValues == nil && constValue == nil && required.isEmpty
            && properties.isEmpty && additionalProperties == nil && minProperties == nil && maxProperties == nil
            && minLength == nil && maxLength == nil && pattern == nil && minimum == nil && maximum == nil
            && exclusiveMinimum == nil && exclusiveMaximum == nil && multipleOf == nil && minItems == nil
            && maxItems == nil && !uniqueItems && items == nil && ref == nil && allOf.isEmpty && anyOf.isEmpty
            && oneOf.isEmpty && not == nil
    }

    /// A YAML value as JSON (for `enum`, `const` and bounds); nil for what JSON cannot hold.
    static func jsonValue(_ node: Node) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return Bool.construct(from: scalar).map(JSONValue.bool)
            case .int: return Int.construct(from: scalar).map { .number(JSONNumber(Int64($0))) }
            case .float: return Double.construct(from: scalar).flatMap { $0.isFinite ? .number(JSONNumber($0)) : nil }
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence {
                guard let value = jsonValue(element) else { return nil }
                elements.append(value)
            }
            return .array(elements)
        case .mapping(let mapping):
            var members: [(key: String, value: JSONValue)] = []
            for (key, value) in mapping {
                guard let name = key.string, let json = jsonValue(value) else { return nil }
                members.append((name, json))
            }
            return .object(members)
        case .alias:
            return nil
        }
    }
}

/// A compiled `pattern`. JSON Schema patterns are ECMA-262 regular expressions that match
/// anywhere in the string unless anchored; NSRegularExpression (ICU) searches the same way and
/// agrees with ECMA-262 on the syntax documents use (classes, quantifiers, anchors). One
/// difference to keep in mind: ICU's `\d` and `\w` also match non-ASCII digits and letters, so
/// write `[0-9]` for ASCII digits. The other difference matters and is removed: ICU's `$` also
/// matches before a final line break, so `^[0-9]{19}$` would let `"…0001\n"` through; ECMA-262's
/// `$` matches only at the very end, so each `$` outside a character class becomes ICU's `\z`.
struct Pattern: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable once made and documented as safe to use from
    // several threads at once.
    let source: String
    private let regex: NSRegularExpression

    init(_ source: String) throws {
        self.source = source
        regex = try NSRegularExpression(pattern: Self.icu(source), options: [])
    }

    /// The ECMA-262 pattern in ICU's dialect: `$` (end of input) as `\z`.
    static func icu(_ source: String) -> String {
        var result = ""
        var escaped = false
        var inClass = false
        for character in source {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if inClass {
                if character == "]" { inClass = false }
            } else if character == "[" {
                inClass = true
            } else if character == "$" {
                result += "\\z"
                continue
            }
            result.append(character)
        }
        return result
    }

    func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..<text.endIndex, in: text)) != nil
    }
}

/// The component schemas by name, which `$ref`s are resolved against.
struct SchemaRegistry: Sendable {
    let components: [String: Schema]

    /// Validates `value` against `schema`; the first violation found, or nil. The violation takes
    /// the error code of the innermost schema on its path that names one.
    func check(_ value: JSONValue, against schema: Schema, at pointer: String) -> ContractViolation? {
        guard var violation = checkKeywords(value, against: schema, at: pointer) else { return nil }
        if violation.code == nil, !violation.wrongType { violation.code = schema.errorCode }
        return violation
    }

    private func checkKeywords(_ value: JSONValue, against schema: Schema, at pointer: String) -> ContractViolation? {
        if schema.rejectsEverything { return ContractViolation(pointer: pointer, reason: "is not allowed here") }
        if let ref = schema.ref, let target = components[ref], let violation = check(value, against: target, at: pointer) {
            return violation
        }
        if let types = schema.types, !types.contains(where: { Self.value(value, is: $0) }) {
            let names = types.map(\.rawValue)
            let wanted =
                names.count == 1
                ? "must be \(Self.article(names[0])) \(names[0])" : "must be one of the types \(names.joined(separator: ", "))"
            return ContractViolation(pointer: pointer, reason: wanted, wrongType: true)
        }
        if let enumValues = schema.enumValues, !enumValues.contains(value) {
            return ContractViolation(
                pointer: pointer, reason: "must be one of \(enumValues.map(Self.show).joined(separator: ", "))")
        }
        if let constValue = schema.constValue, constValue != value {
            return ContractViolation(pointer: pointer, reason: "must be \(Self.show(constValue))")
        }
        switch value {
        case .string(let text):
            if let violation = checkString(text, schema, pointer) { return violation }
        case .number(let number):
            if let violation = checkNumber(number, schema, pointer) { return violation }
        case .array(let elements):
            if let violation = checkArray(elements, schema, pointer) { return violation }
        case .object(let members):
            if let violation = checkObject(members, schema, pointer) { return violation }
        case .null, .bool:
            break
        }
        for part in schema.allOf {
            if let violation = check(value, against: part, at: pointer) { return violation }
        }
        if !schema.anyOf.isEmpty, !schema.anyOf.contains(where: { check(value, against: $0, at: pointer) == nil }) {
            return ContractViolation(pointer: pointer, reason: "matches none of the allowed forms")
        }
        if !schema.oneOf.isEmpty {
            let matching = schema.oneOf.count { check(value, against: $0, at: pointer) == nil }
            if matching == 0 { return ContractViolation(pointer: pointer, reason: "matches none of the allowed forms") }
            if matching > 1 { return ContractViolation(pointer: pointer, reason: "matches more than one of the allowed forms") }
        }
        if let not = schema.not, check(value, against: not, at: pointer) == nil {
            return ContractViolation(pointer: pointer, reason: "has a form that is not allowed")
        }
        return nil
    }

    private func checkString(_ text: String, _ schema: Schema, _ pointer: String) -> ContractViolation? {
        if schema.minLength != nil || schema.maxLength != nil {
            // JSON Schema counts code points, not UTF-16 units or grapheme clusters.
            let length = text.unicodeScalars.count
            if let minLength = schema.minLength, length < minLength {
                return ContractViolation(pointer: pointer, reason: "must have at least \(minLength) characters")
            }
            if let maxLength = schema.maxLength, length > maxLength {
                return ContractViolation(pointer: pointer, reason: "must have at most \(maxLength) characters")
            }
        }
        if let pattern = schema.pattern, !pattern.matches(text) {
            return ContractViolation(pointer: pointer, reason: "must match the pattern \(pattern.source)")
        }
        switch schema.format {
        case .date where !Self.isDate(text[...]):
            return ContractViolation(pointer: pointer, reason: "must be a date (YYYY-MM-DD)")
        case .dateTime where !Self.isDateTime(text):
            return ContractViolation(pointer: pointer, reason: "must be a date-time (RFC 3339)")
        default:
            return nil
        }
    }

    private func checkNumber(_ number: JSONNumber, _ schema: Schema, _ pointer: String) -> ContractViolation? {
        switch schema.format {
        case .int32 where number.isInteger && !(number.int64.map { Int64(Int32.min)...Int64(Int32.max) ~= $0 } ?? false):
            return ContractViolation(pointer: pointer, reason: "must fit in 32 bits")
        case .int64 where number.isInteger && number.int64 == nil:
            return ContractViolation(pointer: pointer, reason: "must fit in 64 bits")
        default:
            break
        }
        if let minimum = schema.minimum, number.compare(minimum) == .orderedAscending {
            return ContractViolation(pointer: pointer, reason: "must be at least \(Self.show(.number(minimum)))")
        }
        if let maximum = schema.maximum, number.compare(maximum) == .orderedDescending {
            return ContractViolation(pointer: pointer, reason: "must be at most \(Self.show(.number(maximum)))")
        }
        if let bound = schema.exclusiveMinimum, number.compare(bound) != .orderedDescending {
            return ContractViolation(pointer: pointer, reason: "must be greater than \(Self.show(.number(bound)))")
        }
        if let bound = schema.exclusiveMaximum, number.compare(bound) != .orderedAscending {
            return ContractViolation(pointer: pointer, reason: "must be less than \(Self.show(.number(bound)))")
        }
        if let divisor = schema.multipleOf {
            let quotient = number.double / divisor
            if !quotient.isFinite || quotient.rounded() != quotient {
                return ContractViolation(
                    pointer: pointer, reason: "must be a multiple of \(Self.show(.number(JSONNumber(divisor))))")
            }
        }
        return nil
    }

    private func checkArray(_ elements: [JSONValue], _ schema: Schema, _ pointer: String) -> ContractViolation? {
        if let minItems = schema.minItems, elements.count < minItems {
            return ContractViolation(pointer: pointer, reason: "must have at least \(minItems) items")
        }
        if let maxItems = schema.maxItems, elements.count > maxItems {
            return ContractViolation(pointer: pointer, reason: "must have at most \(maxItems) items")
        }
        if schema.uniqueItems {
            for index in elements.indices.dropFirst() where elements[..<index].contains(elements[index]) {
                return ContractViolation(pointer: pointer + "/\(index)", reason: "repeats an earlier item")
            }
        }
        if let items = schema.items {
            for (index, element) in elements.enumerated() {
                if let violation = check(element, against: items, at: pointer + "/\(index)") { return violation }
            }
        }
        return nil
    }

    private func checkObject(
        _ members: [(key: String, value: JSONValue)], _ schema: Schema, _ pointer: String
    ) -> ContractViolation? {
        for name in schema.required where !members.contains(where: { $0.key == name }) {
            return ContractViolation(pointer: pointer + "/" + JSONPointer.escape(name), reason: "is required")
        }
        if let minProperties = schema.minProperties, members.count < minProperties {
            return ContractViolation(pointer: pointer, reason: "must have at least \(minProperties) members")
        }
        if let maxProperties = schema.maxProperties, members.count > maxProperties {
            return ContractViolation(pointer: pointer, reason: "must have at most \(maxProperties) members")
        }
        for (key, value) in members {
            if let property = schema.properties[key] {
                if let violation = check(value, against: property, at: pointer + "/" + JSONPointer.escape(key)) {
                    return violation
                }
            } else if let additional = schema.additionalProperties {
                let child = pointer + "/" + JSONPointer.loggable(key)
                if additional.rejectsEverything {
                    return ContractViolation(pointer: child, reason: "is not a member of this object")
                }
                if let violation = check(value, against: additional, at: child) { return violation }
            }
        }
        return nil
    }

    static func value(_ value: JSONValue, is type: Schema.JSONType) -> Bool {
        switch (type, value) {
        case (.string, .string), (.boolean, .bool), (.object, .object), (.array, .array), (.null, .null), (.number, .number): true
        case (.integer, .number(let number)): number.isInteger
        default: false
        }
    }

    private static func article(_ word: String) -> String {
        word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }

    /// A document constant (enum member, bound) as it reads in JSON.
    static func show(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): number.int64.map(String.init) ?? "\(number.double)"
        case .string(let text): text
        case .array, .object: "the value in the document"
        }
    }

    /// `YYYY-MM-DD`, a real day of the proleptic Gregorian calendar (RFC 3339 full-date).
    static func isDate(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        guard let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2) else { return false }
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// RFC 3339 `date-time`: full-date `T` HH:MM:SS, optional fraction, then `Z` or ±HH:MM.
    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            isDate(text.prefix(10)), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let hour = digits(bytes, 11, 2), let minute = digits(bytes, 14, 2), let second = digits(bytes, 17, 2),
            hour <= 23, minute <= 59, second <= 60
        else { return false }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            guard index > start, index < bytes.count else { return false }
        }
        let zone = bytes[index...]
        if zone.count == 1 { return zone.first == UInt8(ascii: "Z") || zone.first == UInt8(ascii: "z") }
        guard zone.count == 6, zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"),
            bytes[index + 3] == UInt8(ascii: ":"), let zoneHour = digits(bytes, index + 1, 2),
            let zoneMinute = digits(bytes, index + 4, 2)
        else { return false }
        return zoneHour <= 23 && zoneMinute <= 59
    }

    private static func digits(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for byte in bytes[start..<start + count] {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}
