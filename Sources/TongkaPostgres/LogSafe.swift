import Foundation
import PostgresNIO
import _ConnectionPoolModule

/// Describes an error for the server log without the data it may carry: PostgreSQL's DETAIL
/// ("Failing row contains …") and query binds can hold identity numbers, phones and card numbers.
/// Logs name the SQL state, the constraint and the table instead.
public enum LogSafe {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            guard let info = error.serverInfo else { return "PSQLError(\(error.code))" }
            let fields: [(String, PSQLError.ServerInfo.Field)] = [
                ("sqlState", .sqlState), ("constraint", .constraintName), ("table", .tableName), ("column", .columnName),
                ("routine", .routine),
            ]
            return "PSQLError("
                + fields.compactMap { name, field in info[field].map { "\(name): \($0)" } }.joined(separator: ", ") + ")"
        case let error as ConnectionPoolError:
            return "ConnectionPoolError(\(error))"
        case let error as DecodingError:
            return "DecodingError at \(codingPath(error))"
        default:
            return "\(type(of: error))"
        }
    }

    private static func codingPath(_ error: DecodingError) -> String {
        let context: DecodingError.Context? =
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
                .dataCorrupted(let context):
                context
            @unknown default: nil
            }
        return context?.codingPath.map(\.stringValue).joined(separator: ".") ?? "?"
    }
}
