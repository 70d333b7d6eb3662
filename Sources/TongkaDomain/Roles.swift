/// What a member of staff may do. Admins manage halls, clerks and products; clerks work in one
/// hall; supervisors also approve and oversee their hall; auditors read only. A channel is not a
/// person: it is a payment channel's API client, which may only post and read its top-up orders.
public enum Role: String, Sendable, CaseIterable, Codable {
    case clerk
    case supervisor
    case admin
    case auditor
    case channel
    /// The operator's telephone hotline (客服热线): takes loss reports by phone, without a hall
    /// and without the card, and reads cards' reports.
    case hotline

    /// Clerks and supervisors always belong to one hall; admins and auditors work operator-wide.
    public var isHallBound: Bool { self == .clerk || self == .supervisor }

    /// Roles that serve customers at a counter and handle cash.
    public static let counterRoles: Set<Role> = [.clerk, .supervisor]
    /// The roles of people (everyone but payment channels).
    public static let staffRoles: Set<Role> = [.clerk, .supervisor, .admin, .auditor, .hotline]
    /// Roles that may read hall-wide and operator-wide figures.
    public static let oversightRoles: Set<Role> = [.supervisor, .admin, .auditor]

    public func localizedName(_ language: Language) -> String {
        switch (self, language) {
        case (.clerk, .en): "clerk"
        case (.supervisor, .en): "supervisor"
        case (.admin, .en): "admin"
        case (.auditor, .en): "auditor"
        case (.channel, .en): "channel"
        case (.hotline, .en): "hotline"
        case (.clerk, .zh): "柜员"
        case (.supervisor, .zh): "主管"
        case (.admin, .zh): "管理员"
        case (.auditor, .zh): "审计员"
        case (.channel, .zh): "支付渠道"
        case (.hotline, .zh): "客服热线"
        }
    }
}

/// Who is acting, as far as authorisation is concerned.
public struct StaffActor: Sendable, Equatable {
    public let clerkID: ClerkID
    public let username: String
    public let role: Role
    public let hallID: HallID?

    public init(clerkID: ClerkID, username: String, role: Role, hallID: HallID?) {
        self.clerkID = clerkID
        self.username = username
        self.role = role
        self.hallID = hallID
    }

    /// Whether this actor may see or act on something that belongs to `hall`: hall-bound staff
    /// only in their own hall, admins and auditors everywhere.
    public func canReach(hall: HallID) -> Bool {
        role.isHallBound ? hallID == hall : true
    }

    /// Throws `forbidden_hall` unless ``canReach(hall:)``.
    public func requireReach(hall: HallID) throws(TongkaError) {
        guard canReach(hall: hall) else { throw TongkaError(.forbiddenHall) }
    }

    /// The hall a hall-bound actor works in; throws `hall_required` for operator-wide roles.
    public func requireOwnHall() throws(TongkaError) -> HallID {
        guard let hallID else { throw TongkaError(.hallRequired) }
        return hallID
    }
}
