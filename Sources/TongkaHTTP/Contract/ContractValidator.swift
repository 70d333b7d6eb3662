import Foundation
import HTTPTypes
import TongkaAPI
import TongkaDomain
import Yams

/// Enforces the served OpenAPI document at run time: path, query and header parameters and JSON
/// request bodies of every operation, checked against the document's schemas (see `Schema.swift`
/// for the subset of JSON Schema and why it is hand-written), and the path templates with their
/// methods, for 405 answers. Built once at start; a document it cannot enforce stops the server.
///
/// Violations are `malformed_request` with a detail `<pointer>: <what is wrong>`, where the
/// pointer is a JSON pointer into the request seen as `{"path", "query", "header", "body"}`
/// (`/body/note: must have at most 2000 characters`). Details never repeat the value sent: it
/// may be a document number or a password.
///
/// Query parameters the operation does not declare are refused (the strict choice: a client
/// that misspells `limit` as `limt` learns it at once instead of silently getting 1000 rows), and
/// so is a declared one given twice.
public struct ContractValidator: Sendable {
    enum Location: String, Sendable {
        case path, query, header
    }

    struct Parameter: Sendable {
        let name: String
        let location: Location
        let required: Bool
        let schema: Schema
        /// The JSON types a raw text value may be read as, from the schema (after `$ref`).
        let types: [Schema.JSONType]?
    }

    struct Operation: Sendable {
        let id: String
        let parameters: [Parameter]
        let query: [String: Parameter]
        /// The schema of an `application/json` request body, if the operation takes one.
        let jsonBody: Schema?
    }

    struct PathTemplate: Sendable {
        enum Segment: Sendable, Equatable {
            case literal(String)
            case parameter
        }
        let segments: [Segment]
        let methods: [String]

        func matches(_ parts: [Substring]) -> Bool {
            parts.count == segments.count
                && zip(parts, segments).allSatisfy { part, segment in
                    if case .literal(let text) = segment { return part == text }
                    return true
                }
        }
    }

    let operations: [String: Operation]
    /// Ordered as the router prefers them: at the first segment where two differ, a literal
    /// segment wins over a parameter.
    let templates: [PathTemplate]
    let registry: SchemaRegistry

    /// The bundled document (`Sources/TongkaAPI/openapi.yaml`).
    public static func bundled() throws -> ContractValidator {
        try ContractValidator(yaml: String(decoding: try APIDocument.yaml(), as: UTF8.self))
    }

    public init(yaml: String) throws {
        guard let root = try Yams.compose(yaml: yaml)?.mapping else {
            throw ContractDocumentError(location: "#", reason: "the document is not a mapping")
        }
        let componentsNode = root["components"]?.mapping
        let schemaNodes = componentsNode?["schemas"]?.mapping
        var names = Set<String>()
        for key in schemaNodes?.keys ?? Node.Mapping([]).keys {
            guard let name = key.string else {
                throw ContractDocumentError(location: "#/components/schemas", reason: "a name must be a string")
            }
            names.insert(name)
        }
        var components: [String: Schema] = [:]
        for (key, node) in schemaNodes ?? Node.Mapping([]) {
            let name = key.string!
            components[name] = try Schema.compile(node, location: "#/components/schemas/\(name)", components: names)
        }
        let registry = SchemaRegistry(components: components)
        let sharedParameters = componentsNode?["parameters"]?.mapping

        func types(of schema: Schema) -> [Schema.JSONType]? {
            var current = schema
            var seen = Set<String>()
            while current.types == nil, let ref = current.ref, seen.insert(ref).inserted, let target = components[ref] {
                current = target
            }
            return current.types
        }

        func parameter(_ node: Node, at location: String) throws -> Parameter {
            var node = node
            var location = location
            if let ref = node.mapping?["$ref"]?.string {
                let prefix = "#/components/parameters/"
                guard ref.hasPrefix(prefix), let target = sharedParameters?[String(ref.dropFirst(prefix.count))] else {
                    throw ContractDocumentError(location: location, reason: "`$ref` \(ref) names no parameter")
                }
                node = target
                location = ref
            }
            guard let mapping = node.mapping, let name = mapping["name"]?.string, let place = mapping["in"]?.string else {
                throw ContractDocumentError(location: location, reason: "a parameter needs `name` and `in`")
            }
            guard let where_ = Location(rawValue: place) else {
                throw ContractDocumentError(
                    location: location, reason: "the contract validator does not check `in: \(place)` parameters")
            }
            for key in ["style", "explode", "allowReserved", "content", "allowEmptyValue"] where mapping[key] != nil {
                throw ContractDocumentError(
                    location: location, reason: "the contract validator does not read parameters with `\(key)`")
            }
            guard let schemaNode = mapping["schema"] else {
                throw ContractDocumentError(location: location, reason: "a parameter needs a `schema`")
            }
            let schema = try Schema.compile(schemaNode, location: location + "/schema", components: names)
            let readAs = types(of: schema)
            if let readAs, readAs.contains(where: { $0 == .array || $0 == .object }) {
                throw ContractDocumentError(location: location, reason: "the contract validator reads only scalar parameters")
            }
            let required = mapping["required"]?.bool ?? false
            if where_ == .path && !required {
                throw ContractDocumentError(location: location, reason: "a path parameter must be required")
            }
            return Parameter(name: name, location: where_, required: required, schema: schema, types: readAs)
        }

        var operations: [String: Operation] = [:]
        var templates: [PathTemplate] = []
        let methodNames = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for (key, item) in root["paths"]?.mapping ?? Node.Mapping([]) {
            guard let path = key.string, path.hasPrefix("/"), let item = item.mapping else {
                throw ContractDocumentError(location: "#/paths", reason: "a path must start with /")
            }
            let itemLocation = "#/paths/\(JSONPointer.escape(path))"
            var shared: [Parameter] = []
            for (index, node) in (item["parameters"]?.array() ?? []).enumerated() {
                shared.append(try parameter(node, at: itemLocation + "/parameters/\(index)"))
            }
            var methods: [String] = []
            for (methodKey, operationNode) in item {
                guard let method = methodKey.string, methodNames.contains(method) else { continue }
                let location = itemLocation + "/" + method
                guard let operation = operationNode.mapping, let id = operation["operationId"]?.string else {
                    throw ContractDocumentError(location: location, reason: "an operation needs an `operationId`")
                }
                var parameters = shared
                for (index, node) in (operation["parameters"]?.array() ?? []).enumerated() {
                    let own = try parameter(node, at: location + "/parameters/\(index)")
                    parameters.removeAll { $0.name == own.name && $0.location == own.location }
                    parameters.append(own)
                }
                var jsonBody: Schema?
                if let content = operation["requestBody"]?.mapping?["content"]?.mapping {
                    for (mediaKey, media) in content {
                        guard let mediaType = mediaKey.string, Self.isJSON(mediaType) else { continue }
                        jsonBody =
                            try media.mapping?["schema"].map {
                                try Schema.compile(
                                    $0, location: location + "/requestBody/content/\(JSONPointer.escape(mediaType))/schema",
                                    components: names)
                            } ?? Schema.always
                    }
                }
                let query = Dictionary(parameters.filter { $0.location == .query }.map { ($0.name, $0) }) { _, last in last }
                operations[id] = Operation(id: id, parameters: parameters, query: query, jsonBody: jsonBody)
                methods.append(method.uppercased())
            }
            let segments = path.split(separator: "/").map { part -> PathTemplate.Segment in
                part.hasPrefix("{") && part.hasSuffix("}") ? .parameter : .literal(String(part))
            }
            templates.append(PathTemplate(segments: segments, methods: methods.sorted()))
        }
        self.operations = operations
        self.templates = templates.sorted { lhs, rhs in
            for (a, b) in zip(lhs.segments, rhs.segments) where a != b {
                switch (a, b) {
                case (.literal, .parameter): return true
                case (.parameter, .literal): return false
                case (.literal(let x), .literal(let y)): return x < y
                default: continue
                }
            }
            return lhs.segments.count < rhs.segments.count
        }
        self.registry = registry
    }

    /// Whether a `Content-Type` is JSON (`application/json`, `application/problem+json`, ...).
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType =
            contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// The methods the document declares for a concrete path, or nil when no template matches it.
    public func allowedMethods(forPath path: String) -> [String]? {
        let parts = path.split(separator: "/")
        return templates.first { $0.matches(parts) }?.methods
    }

    /// Whether the operation's request body is JSON that ``validateBody(operationID:_:)`` checks.
    func takesJSONBody(operationID: String, contentType: String?) -> Bool {
        guard let contentType, operations[operationID]?.jsonBody != nil else { return false }
        return Self.isJSON(contentType)
    }

    /// Checks path, query and header parameters.
    func validateParameters(
        operationID: String, request: HTTPRequest, pathParameters: [String: Substring]
    ) throws(TongkaError) {
        guard let operation = operations[operationID] else { return }
        for parameter in operation.parameters where parameter.location != .query {
            let pointer = "/\(parameter.location.rawValue)/\(JSONPointer.escape(parameter.name))"
            let raw: String?
            switch parameter.location {
            case .path:
                guard let value = pathParameters[parameter.name] else { raw = nil; break }
                guard let decoded = String(value).removingPercentEncoding else {
                    throw Self.refusal(ContractViolation(pointer: pointer, reason: "is not valid percent-encoding"))
                }
                raw = decoded
            case .header:
                let values = HTTPField.Name(parameter.name).map { request.headerFields[values: $0] } ?? []
                if values.count > 1 { throw Self.refusal(ContractViolation(pointer: pointer, reason: "is given more than once")) }
                raw = values.first
            case .query:
                raw = nil
            }
            try check(raw, parameter, pointer)
        }

        var seen = Set<String>()
        if let query = request.path.flatMap({ path in path.firstIndex(of: "?").map { path[path.index(after: $0)...] } }) {
            for pair in query.split(separator: "&") {
                let (rawName, rawValue) =
                    pair.firstIndex(of: "=").map { (pair[..<$0], pair[pair.index(after: $0)...]) } ?? (pair, "")
                guard let name = Self.decodeQuery(rawName), let value = Self.decodeQuery(rawValue) else {
                    throw Self.refusal(ContractViolation(pointer: "/query", reason: "is not valid percent-encoding"))
                }
                guard let parameter = operation.query[name] else {
                    throw Self.refusal(
                        ContractViolation(
                            pointer: "/query/" + JSONPointer.loggable(name), reason: "is not a parameter of this operation"))
                }
                let pointer = "/query/" + JSONPointer.escape(name)
                guard seen.insert(name).inserted else {
                    throw Self.refusal(ContractViolation(pointer: pointer, reason: "is given more than once"))
                }
                try check(value, parameter, pointer)
            }
        }
        for parameter in operation.query.values where parameter.required && !seen.contains(parameter.name) {
            throw Self.refusal(ContractViolation(pointer: "/query/" + JSONPointer.escape(parameter.name), reason: "is required"))
        }
    }

    private func check(_ raw: String?, _ parameter: Parameter, _ pointer: String) throws(TongkaError) {
        guard let raw else {
            if parameter.required { throw Self.refusal(ContractViolation(pointer: pointer, reason: "is required")) }
            return
        }
        if let violation = registry.check(Self.read(raw, as: parameter.types), against: parameter.schema, at: pointer) {
            throw Self.refusal(violation)
        }
    }

    /// A parameter's text as the JSON value its schema's types call for; text that is not such a
    /// value stays a string (and then fails the type check unless strings are allowed).
    static func read(_ raw: String, as types: [Schema.JSONType]?) -> JSONValue {
        guard let types else { return .string(raw) }
        if types.contains(.integer) || types.contains(.number), let first = raw.utf8.first,
            first == UInt8(ascii: "-") || (0x30...0x39).contains(first),
            let last = raw.utf8.last, (0x30...0x39).contains(last),
            case .number(let number)? = try? JSONParser.parse(Array(raw.utf8))
        {
            return .number(number)
        }
        if types.contains(.boolean), raw == "true" || raw == "false" { return .bool(raw == "true") }
        if types.contains(.null), raw == "null", !types.contains(.string) { return .null }
        return .string(raw)
    }

    /// Form-style query decoding, as the OpenAPI runtime does it: `+` is a space, then percent-decoding.
    private static func decodeQuery(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Checks a JSON request body.
    func validateBody(operationID: String, _ bytes: [UInt8]) throws(TongkaError) {
        guard let schema = operations[operationID]?.jsonBody else { return }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw Self.refusal(ContractViolation(pointer: "/body" + error.pointer, reason: error.reason))
        }
        if let violation = registry.check(value, against: schema, at: "/body") { throw Self.refusal(violation) }
    }

    static func refusal(_ violation: ContractViolation) -> TongkaError {
        TongkaError(violation.code ?? .malformedRequest, detail: violation.description)
    }
}
