import TongkaCardCrypto

/// Flows split at the host's answer, for a host reached over the network in two requests (a
/// void at the counter, a card return): the terminal sends the card's answer, the host answers,
/// and the terminal finishes with what the host sent.
extension PurseTerminal {
    /// SELECT, read 0015, then INITIALIZE FOR PURCHASE of `amount` at `terminal`. The answer goes
    /// to the host, which answers MAC1 for `debitForPurchase`.
    public func purchaseAnswer(
        amount: UInt32, terminal: TerminalNumber, keyIndex: UInt8 = 1
    ) async throws -> (PurseCardInfo, InitializeForPurchaseResponse) {
        let info = try await readCard()
        if info.temporarilyBlocked { throw PurseTerminalError.applicationBlocked }
        let reply = try await reader.transmit(
            [0x80, 0x50, 0x01, 0x02, 0x0B, keyIndex] + Self.bigEndian(amount) + terminal.bytes + [0x0F])
        guard reply.isSuccess else { throw Self.stepError("INITIALIZE FOR PURCHASE", reply.statusWord) }
        do {
            return (info, try InitializeForPurchaseResponse(data: reply.data))
        } catch {
            throw PurseTerminalError.malformedResponse(command: "INITIALIZE FOR PURCHASE")
        }
    }

    /// DEBIT FOR PURCHASE with the host's MAC1, right after `initializeForPurchase`: the card
    /// debits and answers its TAC and MAC2, for the host to verify. No answer (a lost response)
    /// throws `.unexpectedStatus` only when the card refused; a transport failure passes through.
    public func debitForPurchase(
        terminalSerial: UInt32, dateTime: TransactionDateTime, mac1: [UInt8]
    ) async throws -> (tac: [UInt8], mac2: [UInt8]) {
        let reply = try await reader.transmit(
            [0x80, 0x54, 0x01, 0x00, 0x0F] + Self.bigEndian(terminalSerial) + dateTime.bytes + mac1 + [0x08])
        guard reply.isSuccess else { throw Self.stepError("DEBIT FOR PURCHASE", reply.statusWord) }
        guard reply.data.count == 8 else { throw PurseTerminalError.malformedResponse(command: "DEBIT FOR PURCHASE") }
        return (Array(reply.data[0..<4]), Array(reply.data[4..<8]))
    }

    /// After a DEBIT FOR PURCHASE whose answer was lost (the card may have debited): SELECT, then
    /// GET TRANSACTION PROVE for the purchase with `offlineSerial` (the serial its INITIALIZE FOR
    /// PURCHASE answered). The card's TAC and MAC2 when it debited, for the host to verify as if
    /// the answer had arrived; nil when the card made no such purchase (nothing was debited).
    public func purchaseProof(offlineSerial: UInt16) async throws -> (tac: [UInt8], mac2: [UInt8])? {
        _ = try await readCard()
        let reply = try await reader.transmit(
            [0x80, 0x5A, 0x00, 0x06, 0x02, UInt8(offlineSerial >> 8), UInt8(offlineSerial & 0xFF), 0x08])
        if reply.statusWord == StatusWord.macNotAvailable { return nil }
        guard reply.isSuccess else { throw Self.stepError("GET TRANSACTION PROVE", reply.statusWord) }
        guard reply.data.count == 8 else { throw PurseTerminalError.malformedResponse(command: "GET TRANSACTION PROVE") }
        // The proof comes MAC2 first, then TAC.
        return (Array(reply.data[4..<8]), Array(reply.data[0..<4]))
    }

    /// GET CHALLENGE: the card's 4-byte random for the next secure-messaging command.
    public func challenge() async throws -> [UInt8] {
        let reply = try await reader.transmit([0x00, 0x84, 0x00, 0x00, 0x04])
        guard reply.isSuccess, reply.data.count == 4 else { throw Self.stepError("GET CHALLENGE", reply.statusWord) }
        return reply.data
    }

    /// Sends a secure-messaging command the host built (APPLICATION BLOCK or UNBLOCK) for the
    /// last `challenge()`.
    public func send(maintenanceCommand apdu: [UInt8]) async throws {
        let reply = try await reader.transmit(apdu)
        guard reply.isSuccess else { throw Self.stepError("APPLICATION BLOCK", reply.statusWord) }
    }

    private static func stepError(_ name: String, _ word: UInt16) -> PurseTerminalError {
        switch word {
        case StatusWord.permanentlyBlocked: return .applicationPermanentlyBlocked
        case StatusWord.insufficientBalance: return .insufficientBalance
        default: return .unexpectedStatus(command: name, statusWord: word)
        }
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
}
