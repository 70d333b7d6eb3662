/// What an upload answered for one record, as values: the same fields as the JSON answer's
/// `TapUploadResult.results` entries.
public struct TapAnswer: Sendable, Equatable {
    public let terminalSerial: Int64
    public let outcome: TapOutcome
    public let rejection: TapRejection?
    /// In the order they were raised.
    public let exceptions: [TapExceptionKind]
    /// Whether it debited the card in the ledger.
    public let posted: Bool

    public init(
        terminalSerial: Int64, outcome: TapOutcome, rejection: TapRejection?, exceptions: [TapExceptionKind], posted: Bool
    ) {
        self.terminalSerial = terminalSerial
        self.outcome = outcome
        self.rejection = rejection
        self.exceptions = exceptions
        self.posted = posted
    }
}

/// The binary answer to a binary upload (`TKTA`, `Accept: application/octet-stream`): 8 bytes a
/// record instead of about 90 of JSON, and nothing to parse on a validator with little memory.
/// Layout and worked example: docs/tap-upload-format.md section 5.
///
/// Written by hand for the same reason as ``TapBatchFile``: a fixed layout a vendor can write from
/// the document. Codes are stable; a new reason or exception takes a new code or bit.
public enum TapAnswerFile {
    public static let magic: [UInt8] = Array("TKTA".utf8)
    public static let version: UInt8 = 1
    public static let headerSize = 8
    public static let recordSize = 8

    public static let outcomeCodes: [(code: UInt8, outcome: TapOutcome)] = [
        (1, .stored), (2, .duplicate), (3, .rejected),
    ]
    public static let rejectionCodes: [(code: UInt8, rejection: TapRejection)] = [
        (1, .invalidIssuerID), (2, .invalidCardType), (3, .invalidSerial), (4, .invalidAmount), (5, .amountAboveFare),
        (6, .invalidBalance), (7, .invalidTransactionType), (8, .otherTerminal), (9, .invalidDateTime),
        (10, .futureTimestamp), (11, .invalidTAC), (12, .invalidText), (13, .serialConflict),
    ]
    /// Bit 0 first, in the order an upload raises them, so the decoded list keeps that order.
    public static let exceptionBits: [TapExceptionKind] = [
        .balanceDiscontinuity, .serialGap, .listedAtTap, .unknownCard, .tacInvalid, .backOfficeShort, .serialConflict,
    ]

    public static func encode(_ answers: [TapAnswer]) -> [UInt8] {
        var out = TapFraming.header(magic: magic, version: version, count: answers.count)
        out.reserveCapacity(headerSize + answers.count * recordSize + 4)
        for answer in answers {
            let serial = UInt32(truncatingIfNeeded: answer.terminalSerial)
            out += [
                UInt8(truncatingIfNeeded: serial >> 24), UInt8(truncatingIfNeeded: serial >> 16),
                UInt8(truncatingIfNeeded: serial >> 8), UInt8(truncatingIfNeeded: serial),
            ]
            out.append(outcomeCodes.first { $0.outcome == answer.outcome }!.code)
            out.append(answer.rejection.map { rejection in rejectionCodes.first { $0.rejection == rejection }!.code } ?? 0)
            out.append(
                exceptionBits.enumerated().reduce(UInt8(0)) { bits, bit in
                    answer.exceptions.contains(bit.element) ? bits | 1 << bit.offset : bits
                })
            out.append(answer.posted ? 1 : 0)
        }
        TapFraming.seal(&out)
        return out
    }

    /// The answers of an answer file, in order; refused (`invalid_tap_batch`, naming the byte) when
    /// it is not one this version writes.
    public static func decode(_ bytes: [UInt8]) throws(TongkaError) -> [TapAnswer] {
        func refuse(_ offset: Int, _ problem: String) -> TongkaError {
            TongkaError(.invalidTapBatch, detail: "answer byte \(offset): \(problem)")
        }
        let (count, body) = try TapFraming.open(
            bytes, magic: magic, version: version, kind: "a tap answer (magic TKTA)", refuse: refuse)
        guard body == headerSize + count * recordSize else { throw refuse(6, "\(count) records do not fill the answer") }
        return try (0..<count).map { index throws(TongkaError) in
            let at = headerSize + index * recordSize
            let serial = bytes[at..<(at + 4)].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            guard let outcome = outcomeCodes.first(where: { $0.code == bytes[at + 4] })?.outcome else {
                throw refuse(at + 4, "unknown outcome \(bytes[at + 4])")
            }
            var rejection: TapRejection?
            if bytes[at + 5] != 0 {
                guard let known = rejectionCodes.first(where: { $0.code == bytes[at + 5] })?.rejection else {
                    throw refuse(at + 5, "unknown reason \(bytes[at + 5])")
                }
                rejection = known
            }
            let bits = bytes[at + 6]
            guard bits >> exceptionBits.count == 0 else { throw refuse(at + 6, "unknown exception bits") }
            guard bytes[at + 7] <= 1 else { throw refuse(at + 7, "posted is 0 or 1") }
            return TapAnswer(
                terminalSerial: serial, outcome: outcome, rejection: rejection,
                exceptions: exceptionBits.enumerated().filter { bits & 1 << $0.offset != 0 }.map(\.element),
                posted: bytes[at + 7] == 1)
        }
    }
}
