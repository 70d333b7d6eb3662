import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A holder as shown: identity data masked.
public struct HolderView: Sendable, Codable, Equatable {
    public let id: HolderID
    public let name: String
    public let documentType: DocumentType
    public let documentNumberMasked: String
    public let phoneMasked: String?
    public let registeredAt: Date
    public let registeredHallCode: String
}

/// Holders: registering them and every read of their personal data (audited, limited per staff).
public struct HolderStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }
    var vault: PersonalDataVault { database.settings.personalData }

    public init(database: Database) { self.database = database }

    // MARK: Holders

    /// Registers a holder. The document is checked (resident IDs by their check character),
    /// encrypted, and found again only by its keyed hash; a second holder with the same document
    /// is refused by the unique hash.
    public func registerHolder(
        name rawName: String, document: IdentityDocument, phone: PhoneNumber?, origin: RequestOrigin
    ) async throws -> HolderView {
        let actor = try origin.requireActor()
        let hall = try actor.requireOwnHall()
        let name = try Validate.name(rawName, field: "holder name")
        let documentHash = vault.lookupHash(document)
        let documentCiphertext = try vault.seal(document.number, field: .documentNumber, binding: documentHash)
        let phoneCiphertext = try phone.map { try vault.seal($0.number, field: .phone, binding: documentHash) }
        return try await database.transaction { connection in
            try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
            let id = try await connection.one(
                """
                INSERT INTO holders (name, document_type, document_hash, document_ciphertext, phone_ciphertext,
                                     registered_by, registered_hall_id)
                VALUES (\(name), \(document.type.rawValue), \(documentHash), \(documentCiphertext),
                        \(phoneCiphertext), \(actor.clerkID.rawValue), \(hall.rawValue))
                RETURNING holder_id
                """, as: (Int64.self), logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "holder.register", subject: "holder:\(id)",
                details: ["document_type": document.type.rawValue], logger: logger)
            return try await holder(id: HolderID(id), connection: connection)
        }
    }

    /// Finds a holder by identity document, with its cards. Every lookup, found or not, is audited
    /// and counts against the actor's hourly lookup limit: identity numbers are guessable in about
    /// a thousand tries, so searching is never free or untraced.
    public func findHolder(document: IdentityDocument, origin: RequestOrigin, now: Date) async throws -> (HolderView, [CardView])
    {
        let actor = try origin.requireActor()
        let found = try await database.transaction { connection in
            try await checkLookupLimit(actor: actor, now: now, connection: connection)
            let id = try await connection.first(
                "SELECT holder_id FROM holders WHERE document_hash = \(vault.lookupHash(document))", as: (Int64.self),
                logger: logger)
            try await Audit.record(
                connection, origin: origin, action: Self.lookupAction, subject: id.map { "holder:\($0)" },
                details: ["reason": "search", "document_type": document.type.rawValue, "found": id == nil ? "no" : "yes"],
                logger: logger)
            guard let id else { return nil as (HolderView, [CardView])? }
            let holder = try await holder(id: HolderID(id), connection: connection)
            return (holder, try await CardStore(database: database).cards(holder: holder.id, connection: connection))
        }
        guard let found else { throw TongkaError(.holderNotFound) }
        return found
    }

    /// A holder by number. Hall staff reach holders registered in their hall or holding a card
    /// issued there (the rule is ``StaffActor/canReachHolder(registeredHall:cardHalls:)``); elsewhere
    /// they find a holder by the identity document the person shows. The read is audited.
    public func holder(id: HolderID, origin: RequestOrigin, now: Date) async throws -> (HolderView, [CardView]) {
        let actor = try origin.requireActor()
        return try await database.transaction { connection in
            try await checkLookupLimit(actor: actor, now: now, connection: connection)
            try await reachHolder(id, actor: actor, lock: false, connection: connection)
            try await Audit.record(
                connection, origin: origin, action: Self.lookupAction, subject: "holder:\(id)", details: ["reason": "view"],
                logger: logger)
            let holder = try await holder(id: id, connection: connection)
            return (holder, try await CardStore(database: database).cards(holder: id, connection: connection))
        }
    }

    /// The audit action of every read of a holder's personal data; the lookup limit counts these.
    static let lookupAction = "holder.read"

    /// Refuses a lookup when the actor made `holderLookupsPerHour` of them in the past hour. The
    /// advisory lock makes parallel lookups of one actor count one after another.
    func checkLookupLimit(actor: StaffActor, now: Date, connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(7316049, \(Int32(truncatingIfNeeded: actor.clerkID.rawValue)))", logger: logger)
        let since = now.addingTimeInterval(-3600)
        let recent = try await connection.one(
            """
            SELECT count(*) FROM audit_events
             WHERE actor_clerk_id = \(actor.clerkID.rawValue) AND action = \(Self.lookupAction) AND occurred_at > \(since)
            """, as: (Int64.self), logger: logger)
        guard recent < Int64(database.settings.holderLookupsPerHour) else {
            throw TongkaError(.holderLookupLimit, detail: "at most \(database.settings.holderLookupsPerHour) an hour")
        }
    }

    /// Applies the hall-scope rule for reaching a holder by number, from the facts in the
    /// database; `lock` keeps the holder from changing until the transaction ends (selling).
    func reachHolder(_ id: HolderID, actor: StaffActor, lock: Bool, connection: PostgresConnection) async throws {
        guard
            let registeredHall = try await connection.first(
                lock
                    ? "SELECT registered_hall_id FROM holders WHERE holder_id = \(id.rawValue) FOR KEY SHARE"
                    : "SELECT registered_hall_id FROM holders WHERE holder_id = \(id.rawValue)",
                as: (Int64.self), logger: logger)
        else { throw TongkaError(.holderNotFound) }
        let cardHalls = try await connection.all(
            "SELECT DISTINCT issued_hall_id FROM cards WHERE holder_id = \(id.rawValue)", as: (Int64.self), logger: logger)
        guard actor.canReachHolder(registeredHall: HallID(registeredHall), cardHalls: Set(cardHalls.map { HallID($0) })) else {
            throw TongkaError(.forbiddenHall)
        }
    }

    func holder(id: HolderID, connection: PostgresConnection) async throws -> HolderView {
        guard
            let row = try await connection.first(
                """
                SELECT h.holder_id, h.name, h.document_type, h.document_ciphertext, h.phone_ciphertext, h.registered_at, s.code,
                       h.document_hash
                  FROM holders h JOIN service_halls s ON s.hall_id = h.registered_hall_id
                 WHERE h.holder_id = \(id.rawValue)
                """, as: (Int64, String, String, Data, Data?, Date, String, Data).self, logger: logger)
        else { throw TongkaError(.holderNotFound) }
        let type = try Stored.value(row.2, as: DocumentType.self)
        let document = try openDocument(type: type, ciphertext: row.3, hash: row.7)
        let phone = try row.4.map { try PhoneNumber(try vault.open($0, field: .phone, binding: row.7)) }
        return HolderView(
            id: HolderID(row.0), name: row.1, documentType: type, documentNumberMasked: document.masked,
            phoneMasked: phone?.masked, registeredAt: row.5, registeredHallCode: row.6)
    }

    /// Decrypts a document number and checks it against its lookup hash: data moved between rows
    /// (or altered) does not decrypt, and a mismatch is refused rather than shown.
    func openDocument(type: DocumentType, ciphertext: Data, hash: Data) throws -> IdentityDocument {
        let document = try IdentityDocument(type: type, number: try vault.open(ciphertext, field: .documentNumber, binding: hash))
        guard vault.lookupHash(document) == hash else {
            throw TongkaError(.internalError, detail: "personal data does not match its holder")
        }
        return document
    }

}
