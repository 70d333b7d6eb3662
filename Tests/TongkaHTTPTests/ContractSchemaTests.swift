import Foundation
import HTTPTypes
import OpenAPIRuntime
import Testing
import TongkaDomain

@testable import TongkaHTTP

/// A one-operation document around `schema` (JSON, which is YAML too), for checking keywords one by one.
private func document(body schema: String, components: String = "{}", parameters: String = "[]") -> String {
    """
    openapi: "3.1.0"
    info: { title: fixture, version: "1" }
    paths:
      /things/{id}:
        post:
          operationId: makeThing
          parameters: \(parameters)
          requestBody:
            required: true
            content:
              application/json:
                schema: \(schema)
          responses: { "204": { description: done } }
        get:
          operationId: getThing
          parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
          responses: { "204": { description: done } }
      /things/special:
        delete:
          operationId: dropSpecial
          responses: { "204": { description: done } }
    components:
      schemas: \(components)
    """
}

/// The detail of the refusal of `body` under `schema`, or nil when it passes.
private func refusal(_ schema: String, _ body: String, components: String = "{}") throws -> String? {
    let contract = try ContractValidator(yaml: document(body: schema, components: components))
    do {
        try contract.validateBody(operationID: "makeThing", Array(body.utf8))
        return nil
    } catch {
        #expect(error.code == .malformedRequest)
        return error.detail
    }
}

@Suite struct ContractSchemaTests {
    @Test(arguments: [
        (#"{"type": "string"}"#, #""text""#, "42"),
        (#"{"type": "integer"}"#, "42", "4.5"),
        (#"{"type": "integer"}"#, "1.0", #""1""#),
        (#"{"type": "number"}"#, "4.5", "true"),
        (#"{"type": "boolean"}"#, "false", "0"),
        (#"{"type": "object"}"#, "{}", "[]"),
        (#"{"type": "array"}"#, "[]", "{}"),
        (#"{"type": "null"}"#, "null", #""""#),
        (#"{"type": ["string", "null"]}"#, "null", "1"),
    ])
    func typeAcceptsItsOwnKindAndRefusesOthers(schema: String, good: String, bad: String) throws {
        #expect(try refusal(schema, good) == nil)
        #expect(try refusal(schema, bad)?.hasPrefix("/body: must be") == true)
    }

    @Test func int32AndInt64FormatsBoundIntegers() throws {
        let int32 = #"{"type": "integer", "format": "int32"}"#
        #expect(try refusal(int32, "2147483647") == nil)
        #expect(try refusal(int32, "2147483648") == "/body: must fit in 32 bits")
        let int64 = #"{"type": "integer", "format": "int64"}"#
        #expect(try refusal(int64, "-9223372036854775808") == nil)
        #expect(try refusal(int64, "9223372036854775808") == "/body: must fit in 64 bits")
    }

    @Test(arguments: ["2024-02-29", "2026-12-31", "2000-02-29"])
    func dateFormatAcceptsRealCalendarDays(day: String) throws {
        #expect(try refusal(#"{"type": "string", "format": "date"}"#, "\"\(day)\"") == nil)
    }

    @Test(arguments: [
        "2026-02-29", "1900-02-29", "2026-13-01", "2026-04-31", "2026-1-01", "20260101", "2026-01-01T00:00:00Z", "２０２６-01-01",
    ])
    func dateFormatRefusesWhatIsNotADay(text: String) throws {
        #expect(try refusal(#"{"type": "string", "format": "date"}"#, "\"\(text)\"") == "/body: must be a date (YYYY-MM-DD)")
    }

    @Test(arguments: ["2026-12-01T08:30:00Z", "2026-12-01t08:30:00.123456+08:00", "2026-06-30T23:59:60-05:30"])
    func dateTimeFormatAcceptsRFC3339Instants(text: String) throws {
        #expect(try refusal(#"{"type": "string", "format": "date-time"}"#, "\"\(text)\"") == nil)
    }

    @Test(arguments: [
        "2026-12-01 08:30:00Z", "2026-12-01T24:00:00Z", "2026-12-01T08:30:00", "2026-12-01T08:30:00.Z",
        "2026-12-01T08:30:00+0800",
    ])
    func dateTimeFormatRefusesOtherShapes(text: String) throws {
        #expect(
            try refusal(#"{"type": "string", "format": "date-time"}"#, "\"\(text)\"") == "/body: must be a date-time (RFC 3339)")
    }

    @Test func enumAcceptsOnlyItsMembers() throws {
        let schema = #"{"type": "string", "enum": ["cash", "alipay"]}"#
        #expect(try refusal(schema, #""alipay""#) == nil)
        #expect(try refusal(schema, #""bitcoin""#) == "/body: must be one of cash, alipay")
    }

    @Test func constAcceptsOnlyItsValue() throws {
        #expect(try refusal(#"{"const": 3}"#, "3.0") == nil)
        #expect(try refusal(#"{"const": 3}"#, "4") == "/body: must be 3")
    }

    @Test func requiredMembersMustBePresent() throws {
        let schema = #"{"type": "object", "required": ["countedCashFen"], "properties": {"countedCashFen": {"type": "integer"}}}"#
        #expect(try refusal(schema, #"{"countedCashFen": 1}"#) == nil)
        #expect(try refusal(schema, #"{"note": "x"}"#) == "/body/countedCashFen: is required")
    }

    @Test func propertiesAreCheckedWithTheirPointer() throws {
        let schema =
            #"{"type": "object", "properties": {"holder": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 3}}}}}"#
        #expect(try refusal(schema, #"{"holder": {"name": "王小明"}}"#) == nil)
        #expect(try refusal(schema, #"{"holder": {"name": "王小明明"}}"#) == "/body/holder/name: must have at most 3 characters")
    }

    @Test func additionalPropertiesFalseRefusesUnknownMembers() throws {
        let schema = #"{"type": "object", "additionalProperties": false, "properties": {"quantity": {"type": "integer"}}}"#
        #expect(try refusal(schema, #"{"quantity": 1}"#) == nil)
        #expect(try refusal(schema, #"{"quantity": 1, "force": true}"#) == "/body/force: is not a member of this object")
        // A member name the caller made up reaches the detail only when it is short and plain.
        #expect(
            try refusal(schema, #"{"quantity": 1, "1101051949123100 2X": true}"#)
                == "/body/<member>: is not a member of this object")
    }

    @Test func additionalPropertiesSchemaChecksEveryOtherMember() throws {
        let schema = #"{"type": "object", "additionalProperties": {"type": "string"}}"#
        #expect(try refusal(schema, #"{"a": "x", "b": "y"}"#) == nil)
        #expect(try refusal(schema, #"{"a": "x", "b": 2}"#) == "/body/b: must be a string")
    }

    @Test func lengthsCountUnicodeCodePoints() throws {
        let schema = #"{"type": "string", "minLength": 2, "maxLength": 3}"#
        // 👍🏽 is one character but two code points; JSON Schema counts code points.
        #expect(try refusal(schema, #""👍🏽""#) == nil)
        #expect(try refusal(schema, #""👍🏽👍🏽""#) == "/body: must have at most 3 characters")
        #expect(try refusal(schema, #""a""#) == "/body: must have at least 2 characters")
        #expect(try refusal(schema, #""\u00e9t\u00e9""#) == nil)
    }

    @Test func patternSearchesUnlessAnchored() throws {
        #expect(try refusal(#"{"type": "string", "pattern": "[0-9]{3}"}"#, #""ab123cd""#) == nil)
        #expect(try refusal(#"{"type": "string", "pattern": "^[0-9]{19}$"}"#, #""3104820000000000001""#) == nil)
        #expect(
            try refusal(#"{"type": "string", "pattern": "^[0-9]{19}$"}"#, #""31048200000000000011""#)
                == "/body: must match the pattern ^[0-9]{19}$")
        // ECMA-262 `$` is the end of the string, also before a final line break (ICU's is not).
        #expect(try refusal(#"{"type": "string", "pattern": "^[0-9]{19}$"}"#, #""3104820000000000001\n""#) != nil)
        #expect(try refusal(#"{"type": "string", "pattern": "^[$]5\\$$"}"#, #""$5$""#) == nil)
    }

    @Test func minimumAndMaximumAreInclusive() throws {
        let schema = #"{"type": "integer", "minimum": 1, "maximum": 100000}"#
        #expect(try refusal(schema, "1") == nil)
        #expect(try refusal(schema, "100000") == nil)
        #expect(try refusal(schema, "0") == "/body: must be at least 1")
        #expect(try refusal(schema, "100001") == "/body: must be at most 100000")
        #expect(try refusal(schema, "1e10") == "/body: must be at most 100000")
    }

    @Test func exclusiveBoundsRefuseTheBoundItself() throws {
        let schema = #"{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5}"#
        #expect(try refusal(schema, "0.5") == nil)
        #expect(try refusal(schema, "0") == "/body: must be greater than 0")
        #expect(try refusal(schema, "1.5") == "/body: must be less than 1.5")
    }

    @Test func multipleOfRefusesRemainders() throws {
        #expect(try refusal(#"{"type": "integer", "multipleOf": 100}"#, "500") == nil)
        #expect(try refusal(#"{"type": "integer", "multipleOf": 100}"#, "550") == "/body: must be a multiple of 100")
    }

    @Test func itemCountsAndItemsAreChecked() throws {
        let schema = #"{"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "string", "enum": ["bus", "metro"]}}"#
        #expect(try refusal(schema, #"["bus", "metro"]"#) == nil)
        #expect(try refusal(schema, "[]") == "/body: must have at least 1 items")
        #expect(try refusal(schema, #"["bus", "metro", "bus"]"#) == "/body: must have at most 2 items")
        #expect(try refusal(schema, #"["bus", "ferry"]"#) == "/body/1: must be one of bus, metro")
    }

    @Test func uniqueItemsRefusesRepeats() throws {
        #expect(try refusal(#"{"type": "array", "uniqueItems": true}"#, #"["bus", "metro"]"#) == nil)
        #expect(try refusal(#"{"type": "array", "uniqueItems": true}"#, #"["bus", "bus"]"#) == "/body/1: repeats an earlier item")
    }

    @Test func refsResolveToComponentSchemas() throws {
        let components =
            ##"{"Mode": {"type": "string", "enum": ["bus"]}, "Input": {"type": "object", "properties": {"mode": {"$ref": "#/components/schemas/Mode"}}}}"##
        #expect(try refusal(##"{"$ref": "#/components/schemas/Input"}"##, ##"{"mode": "bus"}"##, components: components) == nil)
        #expect(
            try refusal(##"{"$ref": "#/components/schemas/Input"}"##, ##"{"mode": "taxi"}"##, components: components)
                == "/body/mode: must be one of bus")
    }

    @Test func errorCodeOfTheSchemaNamesRuleViolationsButNotWrongTypes() throws {
        let components =
            ##"{"Code": {"type": "string", "pattern": "^[A-Z]{2}$", "x-error-code": "invalid_hall_code"}, "Input": {"type": "object", "properties": {"code": {"$ref": "#/components/schemas/Code"}}}}"##
        let contract = try ContractValidator(
            yaml: document(body: ##"{"$ref": "#/components/schemas/Input"}"##, components: components))
        func code(_ body: String) -> ErrorCode? {
            do {
                try contract.validateBody(operationID: "makeThing", Array(body.utf8))
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code(#"{"code": "AB"}"#) == nil)
        #expect(code(#"{"code": "abc"}"#) == .invalidHallCode)
        // `"code": 5` is a malformed request, not a bad hall code.
        #expect(code(#"{"code": 5}"#) == .malformedRequest)
        #expect(code(#"{"code": null}"#) == .malformedRequest)
    }

    @Test func allOfAnyOfOneOfAndNotCombineSchemas() throws {
        #expect(try refusal(#"{"allOf": [{"type": "integer"}, {"minimum": 5}]}"#, "6") == nil)
        #expect(try refusal(#"{"allOf": [{"type": "integer"}, {"minimum": 5}]}"#, "4") == "/body: must be at least 5")
        #expect(try refusal(#"{"anyOf": [{"type": "integer"}, {"type": "string"}]}"#, #""x""#) == nil)
        #expect(
            try refusal(#"{"anyOf": [{"type": "integer"}, {"type": "string"}]}"#, "true")
                == "/body: matches none of the allowed forms")
        #expect(try refusal(#"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"#, "1.5") == nil)
        #expect(
            try refusal(#"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"#, "1")
                == "/body: matches more than one of the allowed forms")
        #expect(try refusal(#"{"not": {"type": "null"}}"#, "1") == nil)
        #expect(try refusal(#"{"not": {"type": "null"}}"#, "null") == "/body: has a form that is not allowed")
    }

    @Test(arguments: [
        (#"{"a": 1, "a": 2}"#, "/body/a: member appears more than once"),
        (#"{"a": 1"#, "/body: not valid JSON"),
        (#"{"a": 01}"#, "/body/a: not valid JSON"),
        (#"{"a": "\ud800"}"#, "/body/a: unpaired surrogate in a string"),
        ("[1] x", "/body: not valid JSON (text after the value)"),
        (
            String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
            "/body" + (0..<64).map { _ in "/0" }.joined() + ": nested more than 64 levels deep"
        ),
    ])
    func bodiesThatAreNotStrictJSONAreRefused(body: String, detail: String) throws {
        #expect(try refusal("true", body) == detail)
    }

    @Test(arguments: [
        (#"{"type": "string", "uniqueMembers": true}"#, "uniqueMembers"),
        (#"{"type": "string", "format": "uuid"}"#, "uuid"),
        (##"{"$ref": "#/components/schemas/Missing"}"##, "Missing"),
        (#"{"type": "text"}"#, "text"),
        (#"{"type": "string", "pattern": "[0-9"}"#, "[0-9"),
    ])
    func aDocumentWithAConstraintTheValidatorCannotEnforceIsRefusedAtStart(schema: String, named: String) {
        #expect {
            _ = try ContractValidator(yaml: document(body: schema))
        } throws: { error in
            "\(error)".contains(named)
        }
    }

    @Test func theBundledDocumentCompiles() throws {
        let contract = try ContractValidator.bundled()
        #expect(contract.operations.count > 30)
        #expect(contract.operations["issueCard"]?.jsonBody != nil)
        #expect(contract.operations["importStock"]?.jsonBody == nil)
    }

    // Parameters

    private func parameters(_ declared: String, path: String, id: Substring = "7", headers: HTTPFields = [:]) throws -> String? {
        let contract = try ContractValidator(yaml: document(body: "true", parameters: declared))
        let request = HTTPRequest(method: .post, scheme: nil, authority: nil, path: path, headerFields: headers)
        do {
            try contract.validateParameters(operationID: "makeThing", request: request, pathParameters: ["id": id])
            return nil
        } catch {
            return error.detail
        }
    }

    @Test func queryParametersAreReadAsTheirTypesAndChecked() throws {
        let declared =
            #"[{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}, {"name": "all", "in": "query", "schema": {"type": "boolean"}}]"#
        #expect(try parameters(declared, path: "/things/7?limit=1000&all=true") == nil)
        #expect(try parameters(declared, path: "/things/7?limit=5000") == "/query/limit: must be at most 1000")
        #expect(try parameters(declared, path: "/things/7?limit=ten") == "/query/limit: must be an integer")
        #expect(try parameters(declared, path: "/things/7?all=yes") == "/query/all: must be a boolean")
    }

    @Test func undeclaredAndRepeatedQueryParametersAreRefused() throws {
        let declared = #"[{"name": "limit", "in": "query", "schema": {"type": "integer"}}]"#
        #expect(try parameters(declared, path: "/things/7?limt=5") == "/query/limt: is not a parameter of this operation")
        #expect(try parameters(declared, path: "/things/7?limit=5&limit=6") == "/query/limit: is given more than once")
    }

    @Test func queryValuesArePercentAndPlusDecodedBeforeTheyAreChecked() throws {
        let declared =
            #"[{"name": "day", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}}, {"name": "q", "in": "query", "schema": {"type": "string", "pattern": "^a b$"}}]"#
        #expect(try parameters(declared, path: "/things/7?day=2026%2D12%2D01&q=a+b") == nil)
        #expect(try parameters(declared, path: "/things/7?day=2026-12-32") == "/query/day: must be a date (YYYY-MM-DD)")
        #expect(try parameters(declared, path: "/things/7") == "/query/day: is required")
    }

    @Test func pathParametersAreChecked() throws {
        let declared =
            #"[{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64", "minimum": 1}}]"#
        #expect(try parameters(declared, path: "/things/7", id: "7") == nil)
        #expect(try parameters(declared, path: "/things/0", id: "0") == "/path/id: must be at least 1")
        #expect(try parameters(declared, path: "/things/x", id: "x") == "/path/id: must be an integer")
    }

    @Test func headerParametersAreChecked() throws {
        let declared =
            #"[{"name": "Idempotency-Key", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,100}$"}}]"#
        #expect(try parameters(declared, path: "/things/7", headers: [HTTPField.Name("Idempotency-Key")!: "open-0001"]) == nil)
        #expect(
            try parameters(declared, path: "/things/7", headers: [HTTPField.Name("Idempotency-Key")!: "short"])
                == "/header/Idempotency-Key: must match the pattern ^[A-Za-z0-9_-]{8,100}$")
        #expect(try parameters(declared, path: "/things/7") == "/header/Idempotency-Key: is required")
    }

    // Paths and methods

    @Test func pathTemplatesGiveTheDeclaredMethodsPreferringLiteralSegments() throws {
        let contract = try ContractValidator(yaml: document(body: "true"))
        #expect(contract.allowedMethods(forPath: "/things/42") == ["GET", "POST"])
        #expect(contract.allowedMethods(forPath: "/things/special") == ["DELETE"])
        #expect(contract.allowedMethods(forPath: "/things") == nil)
        #expect(contract.allowedMethods(forPath: "/things/42/more") == nil)
    }

    // The middleware

    @Test func theMiddlewareHandsTheSameBytesOnAndRefusesUnknownMembers() async throws {
        let schema = #"{"type": "object", "additionalProperties": false, "properties": {"countedCashFen": {"type": "integer"}}}"#
        let middleware = ContractMiddleware(contract: try ContractValidator(yaml: document(body: schema)), bodyLimit: 1024)
        let request = HTTPRequest(
            method: .post, scheme: nil, authority: nil, path: "/things/7", headerFields: [.contentType: "application/json"])
        let good = #"{"countedCashFen": 5}"#
        let (_, echoed) = try await middleware.intercept(
            request, body: HTTPBody(good), metadata: .init(pathParameters: ["id": "7"]), operationID: "makeThing"
        ) { _, body, _ in
            (HTTPResponse(status: .ok), body)
        }
        #expect(try await String(collecting: try #require(echoed), upTo: 1024) == good)

        await #expect(throws: TongkaError(.malformedRequest, detail: "/body/countedCash: is not a member of this object")) {
            _ = try await middleware.intercept(
                request, body: HTTPBody(#"{"countedCash": 5}"#), metadata: .init(pathParameters: ["id": "7"]),
                operationID: "makeThing"
            ) { _, body, _ in
                (HTTPResponse(status: .ok), body)
            }
        }
    }

    @Test func theMiddlewareLeavesOtherMediaTypesToTheGeneratedCode() async throws {
        let middleware = ContractMiddleware(
            contract: try ContractValidator(yaml: document(body: #"{"type": "object"}"#)), bodyLimit: 1024)
        let request = HTTPRequest(
            method: .post, scheme: nil, authority: nil, path: "/things/7", headerFields: [.contentType: "text/csv"])
        let (response, _) = try await middleware.intercept(
            request, body: HTTPBody("a,b\n"), metadata: .init(pathParameters: ["id": "7"]), operationID: "makeThing"
        ) { _, body, _ in
            (HTTPResponse(status: .noContent), body)
        }
        #expect(response.status == .noContent)
    }
}
