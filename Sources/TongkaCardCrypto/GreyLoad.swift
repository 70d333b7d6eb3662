/// The outcome of resolving a grey load (MAC2 issued, TAC never seen).
public enum GreyLoadOutcome: Sendable, Hashable {
    /// The card credited the load: book it as confirmed.
    case credited
    /// The card did not credit it, and the MAC2 can never be used any more (a new INITIALIZE FOR
    /// LOAD made a new session key): reverse it.
    case notCredited
    /// The evidence does not decide; keep the load grey and look again (e.g. at the card's
    /// transaction log). `reason` is for operators.
    case undetermined(reason: String)
}

/// Decides grey loads from what the card shows later, never by guessing (domain.md section 4).
///
/// A load authorised at online serial S moves the card's online serial to S+1 only when CREDIT
/// FOR LOAD succeeded. The host is the only party that can issue MAC2, so it knows which MAC2 it
/// issued for serial S of this card; the caller must pass every record it has for this card and
/// must not have issued a second MAC2 at the same serial (the server's loads table enforces that).
public enum GreyLoadResolver {
    /// Resolves `load` from the card's current online serial (from a later INITIALIZE FOR LOAD)
    /// and, when available, the card's transaction log (file 0018, any order).
    ///
    /// - A load record (type 02) with serial S and the same amount, terminal and date-time: credited.
    /// - A load record with serial S but other values: another load used S, so not credited.
    /// - Current serial S: not credited. S+1: credited.
    /// - Below S, or above S+1 with no record for S: undetermined.
    public static func resolve(
        _ load: LoadAuthorization, currentOnlineSerial: UInt16,
        transactionLog: [PurseTransactionRecord] = []
    ) -> GreyLoadOutcome {
        if let decided = resolve(load, transactionLog: transactionLog) {
            return decided
        }
        let serial = load.onlineSerial
        if currentOnlineSerial == serial {
            return .notCredited
        }
        if serial < UInt16.max, currentOnlineSerial == serial + 1 {
            return .credited
        }
        if currentOnlineSerial < serial {
            return .undetermined(reason: "card online serial is below the authorised serial: another card or a data error")
        }
        return .undetermined(reason: "later loads moved the online serial on and the card log no longer shows serial \(serial)")
    }

    /// Decides from the card's transaction log alone, or returns nil when the log holds no load
    /// record with the load's serial (e.g. it was pushed out by ten later transactions).
    public static func resolve(_ load: LoadAuthorization, transactionLog: [PurseTransactionRecord]) -> GreyLoadOutcome? {
        for record in transactionLog where record.transactionType == TransactionType.load && record.serial == load.onlineSerial {
            if record.amount == load.amount && record.terminal == load.terminal && record.dateTime == load.dateTime {
                return .credited
            }
            return .notCredited
        }
        return nil
    }
}
