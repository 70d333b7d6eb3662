import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime
import TongkaDomain
import TongkaPostgres

/// Turns every failure into `{"code": ..., "message": ...}` with the code's status, in the
/// caller's language. Unknown errors become `internal_error`; the log names the operation and the
/// kind of failure, never the request (whose body can hold identity numbers and passwords).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let scope = RequestScope.current
            let (failure, lineErrors, lineErrorCount) = Self.classify(error)
            if failure.code == .internalError {
                context.logger.error(
                    "request failed", metadata: ["request": "\(scope.requestID)", "error": "\(Self.logDescription(error))"])
            } else {
                context.logger.info(
                    "request refused", metadata: ["request": "\(scope.requestID)", "code": "\(failure.code.rawValue)"])
            }
            return Self.response(failure, language: scope.language, lineErrors: lineErrors, lineErrorCount: lineErrorCount)
        }
    }

    /// What the log may say about a failure: for OpenAPI errors the operation and the runtime's
    /// cause (which names parameters, never values), for the rest `LogSafe`.
    static func logDescription(_ error: any Error) -> String {
        if let serverError = error as? ServerError {
            return
                "operation \(serverError.operationID): \(serverError.causeDescription); \(LogSafe.describe(serverError.underlyingError))"
        }
        return LogSafe.describe(error)
    }

    struct Body: Encodable {
        let code: String
        let message: String
        let lineErrors: [LineError]?
        let lineErrorCount: Int?
    }

    /// A refused line of an uploaded file (a stock file or a blacklist exchange file).
    struct LineError: Encodable {
        let line: Int
        let problem: String
        let message: String
    }

    static func response(
        _ failure: TongkaError, language: Language, lineErrors: [LineError]? = nil, lineErrorCount: Int? = nil
    ) -> Response {
        let body = Body(
            code: failure.code.rawValue, message: failure.message(language), lineErrors: lineErrors,
            lineErrorCount: lineErrorCount)
        let data = (try? JSONEncoder().encode(body)) ?? Data(#"{"code":"internal_error","message":"internal error"}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if failure.code == .unauthenticated || failure.code == .invalidToken || failure.code == .sessionExpired {
            headers[.wwwAuthenticate] = "Bearer"
        }
        if let retryAfter = failure.retryAfter { headers[.retryAfter] = String(max(1, retryAfter)) }
        return Response(
            status: HTTPResponse.Status(code: failure.code.httpStatus), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Finds the domain error behind whatever was thrown.
    static func classify(_ error: any Error) -> (TongkaError, [LineError]?, Int?) {
        switch error {
        case let failure as TongkaError:
            return (failure, nil, nil)
        case let rejection as StockImportRejection:
            let lines = rejection.errors.map { LineError(line: $0.line, problem: $0.problem.rawValue, message: $0.message) }
            return (TongkaError(.stockFileInvalid), lines, rejection.errorCount)
        case let rejection as BlacklistExchangeFileError:
            let lines = rejection.errors.map { LineError(line: $0.line, problem: $0.problem.rawValue, message: $0.message) }
            return (TongkaError(.exchangeFileInvalid), lines, rejection.errorCount)
        case let serverError as ServerError:
            let underlying = serverError.underlyingError
            if underlying is TongkaError || underlying is StockImportRejection || underlying is BlacklistExchangeFileError {
                return classify(underlying)
            }
            if let decoding = underlying as? DecodingError {
                return (TongkaError(.malformedRequest, detail: describe(decoding)), nil, nil)
            }
            let cause = serverError.causeDescription
            // A handler's or middleware's own error: classify what it threw.
            if cause.hasPrefix("User handler threw") || cause.hasPrefix("Middleware of type") {
                return classify(underlying)
            }
            if cause.localizedCaseInsensitiveContains("content type") || cause.localizedCaseInsensitiveContains("content-type") {
                return (TongkaError(.unsupportedMediaType), nil, nil)
            }
            if cause != "Unknown" {
                // Missing body, missing parameter, a value of the wrong type: the runtime's
                // description names the parameter, never a value.
                return (TongkaError(.malformedRequest, detail: cause), nil, nil)
            }
            return classify(underlying)
        case let httpError as HTTPError:
            switch httpError.status.code {
            case 404: return (TongkaError(.notFound), nil, nil)
            case 405: return (TongkaError(.methodNotAllowed), nil, nil)
            case 413: return (TongkaError(.bodyTooLarge), nil, nil)
            case 400..<500: return (TongkaError(.malformedRequest), nil, nil)
            default: return (TongkaError(.internalError), nil, nil)
            }
        default:
            return (TongkaError(.internalError), nil, nil)
        }
    }

    /// Which field was wrong, without the value that was sent.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let fields = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return fields.isEmpty ? "body" : fields
        }
        switch error {
        case .typeMismatch(_, let context): return "\(path(context)): wrong type"
        case .valueNotFound(_, let context): return "\(path(context)): missing value"
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return parent == "body" ? "\(key.stringValue): missing" : "\(parent).\(key.stringValue): missing"
        case .dataCorrupted(let context): return "\(path(context)): not valid"
        @unknown default: return "body: not valid"
        }
    }
}
