import TongkaDomain

/// Resolves a hall code named in a listing or report into the hall filter the actor may use
/// (``StaffActor/hallFilter(requested:)`` decides; this only looks the code up).
enum HallScope {
    static func filter(hallCode: String?, actor: StaffActor, database: Database) async throws -> HallID? {
        let requested = try await hallCode.asyncMap { try await HallStore(database: database).hall(code: $0).id }
        return try actor.hallFilter(requested: requested)
    }
}
