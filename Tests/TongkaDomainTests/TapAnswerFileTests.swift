import Foundation
import Testing
import TongkaDomain

@Suite struct TapAnswerFileTests {
    /// The answer of docs/tap-upload-format.md section 5 (its bytes were first written by an
    /// independent encoder, Python's struct and zlib.crc32).
    static let example = [
        TapAnswer(terminalSerial: 1_001, outcome: .stored, rejection: nil, exceptions: [], posted: true),
        TapAnswer(terminalSerial: 1_002, outcome: .rejected, rejection: .futureTimestamp, exceptions: [], posted: false),
        TapAnswer(terminalSerial: 1_003, outcome: .stored, rejection: nil, exceptions: [.serialGap, .tacInvalid], posted: false),
    ]

    func documentedExample() throws -> [UInt8] { try documentedHexDump("tap-upload-format.md", "answer-example") }

    @Test func theDocumentsWorkedAnswerEncodesAndDecodesByteForByte() throws {
        let documented = try documentedExample()
        #expect(documented.count == 36)
        #expect(TapAnswerFile.encode(Self.example) == documented)
        #expect(try TapAnswerFile.decode(documented) == Self.example)
    }

    @Test func everyOutcomeReasonAndExceptionRoundTripsInTheOrderRaised() throws {
        var answers = TapRejection.allCases.enumerated().map { index, reason in
            TapAnswer(
                terminalSerial: Int64(index), outcome: .rejected, rejection: reason,
                exceptions: reason == .serialConflict ? [.serialConflict] : [], posted: false)
        }
        answers.append(
            TapAnswer(
                terminalSerial: 0xFFFF_FFFF, outcome: .stored, rejection: nil,
                exceptions: [.balanceDiscontinuity, .serialGap, .listedAtTap, .backOfficeShort], posted: false))
        answers.append(TapAnswer(terminalSerial: 7, outcome: .duplicate, rejection: nil, exceptions: [], posted: false))
        answers.append(
            TapAnswer(
                terminalSerial: 8, outcome: .stored, rejection: nil, exceptions: [.listedAtTap, .unknownCard], posted: false))
        #expect(try TapAnswerFile.decode(TapAnswerFile.encode(answers)) == answers)
        // Every kind has its bit, every reason its code.
        #expect(Set(TapAnswerFile.exceptionBits) == Set(TapExceptionKind.allCases))
        #expect(Set(TapAnswerFile.rejectionCodes.map(\.rejection)) == Set(TapRejection.allCases))
    }

    @Test func aDamagedOrUnknownAnswerIsRefusedRatherThanTakenAsAcknowledged() throws {
        let good = TapAnswerFile.encode(Self.example)
        func refused(_ bytes: [UInt8]) -> Bool {
            do {
                _ = try TapAnswerFile.decode(bytes)
                return false
            } catch {
                return error.code == .invalidTapBatch
            }
        }
        func resealed(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var body = Array(good.dropLast(4))
            change(&body)
            let crc = CRC32.checksum(body)
            return body + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        }
        var flipped = good
        flipped[12] ^= 0x01
        #expect(refused(flipped))  // the CRC sees it
        #expect(refused(Array(good.prefix(10))))
        #expect(refused(resealed { $0[3] = 0x50 }))  // TKTP: a batch, not an answer
        #expect(refused(resealed { $0[12] = 9 }))  // unknown outcome
        #expect(refused(resealed { $0[21] = 99 }))  // unknown reason
        #expect(refused(resealed { $0[14] = 0x80 }))  // unknown exception bit
        #expect(refused(resealed { $0[7] = 4 }))  // more results than bytes
        #expect(!refused(good))
    }
}
