/// What counter and validator code talk to: one card in one reader. The simulator is one
/// implementation (`SimulatedCardReader` in TongkaCardSim); a PC/SC reader can be another, without
/// touching callers.
public protocol CardReader: Sendable {
    /// Powers the card up (cold reset) and returns its ATR. Card RAM (sessions, challenge) starts empty.
    func connect() async throws -> [UInt8]
    /// Sends one short command APDU and returns the card's response.
    func transmit(_ command: [UInt8]) async throws -> APDUResponse
    /// Powers the card down; whatever was in card RAM is gone.
    func disconnect() async
}
