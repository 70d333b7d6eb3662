/// Reading enumerations back from the database: a stored value this build does not know is an
/// error (a newer build wrote it, or the row was tampered with), never a silent default.
public enum Stored {
    public static func value<T: RawRepresentable>(_ raw: T.RawValue, as type: T.Type = T.self) throws(TongkaError) -> T {
        guard let value = T(rawValue: raw) else {
            throw TongkaError(.internalError, detail: "unknown \(T.self) value in the database")
        }
        return value
    }

    public static func values<T: RawRepresentable>(_ raws: [T.RawValue], as type: T.Type = T.self) throws(TongkaError) -> [T] {
        var result: [T] = []
        for raw in raws { result.append(try value(raw, as: T.self)) }
        return result
    }
}
