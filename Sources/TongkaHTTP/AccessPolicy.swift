import TongkaDomain

/// Who may call each API operation: one table, checked before any handler runs. An operation
/// missing from the table is refused (fail closed); a test checks the table covers the document.
enum Access: Sendable, Equatable {
    /// No authentication: health checks and login only.
    case open
    /// Any logged-in clerk, also one that still has to change a one-time password.
    case anySession
    /// Any logged-in clerk of these roles whose password is not a pending one-time password.
    case roles(Set<Role>)
    /// A validator's own token (not staff): the blacklist download, acknowledgements, heartbeats.
    case validator
}

enum AccessPolicy {
    /// Every role of staff; payment channels reach only the order operations.
    static let everyone: Set<Role> = Role.staffRoles
    static let counter: Set<Role> = [.clerk, .supervisor]
    static let oversight: Set<Role> = [.supervisor, .admin, .auditor]
    static let audit: Set<Role> = [.admin, .auditor]

    static let table: [String: Access] = [
        "getHealth": .open,
        "getReady": .open,
        "login": .open,
        "getMetrics": .roles(audit),
        "getOpenAPIDocument": .roles(everyone),
        "logout": .anySession,
        "getMe": .anySession,
        "changePassword": .anySession,
        "listHalls": .roles(everyone),
        "createHall": .roles([.admin]),
        "closeHall": .roles([.admin]),
        "reopenHall": .roles([.admin]),
        "listClerks": .roles(oversight),
        "createClerk": .roles([.admin]),
        "lockClerk": .roles([.admin]),
        "unlockClerk": .roles([.admin]),
        "resetClerkPassword": .roles([.admin]),
        "openShift": .roles(counter),
        "getCurrentShift": .roles(counter),
        "closeShift": .roles(counter),
        "forceCloseShift": .roles([.supervisor, .admin]),
        "listShifts": .roles(oversight),
        "getShift": .roles(everyone),
        "checkLedger": .roles(audit),
        "listAuditEvents": .roles(audit),
        "verifyAuditChain": .roles(audit),
        "listProducts": .roles(everyone),
        "createProduct": .roles([.admin]),
        "getStockLevels": .roles(everyone),
        "listStockBatches": .roles(audit),
        "importStock": .roles([.admin]),
        "allocateStock": .roles([.admin]),
        "registerHolder": .roles(counter),
        "findHolder": .roles(counter.union([.auditor])),
        "getHolder": .roles(counter.union([.auditor])),
        "issueCard": .roles(counter),
        "getCard": .roles(everyone),
        "getIssuanceReport": .roles(oversight),
        "getCardStatement": .roles(everyone),
        "getTopupReport": .roles(oversight),
        "getRevenueReport": .roles(audit),
        "listTransportCompanies": .roles(oversight),
        "createTransportCompany": .roles([.admin]),
        "listTransportLines": .roles(oversight),
        "createTransportLine": .roles([.admin]),
        "transferTransportLine": .roles([.admin]),
        "cancelLineTransfer": .roles([.admin]),
        "registerLoadTerminal": .roles(counter),
        "authorizeLoad": .roles(counter),
        "listLoads": .roles(everyone),
        "getLoad": .roles(everyone),
        "confirmLoad": .roles(counter),
        "markLoadGrey": .roles(counter),
        "resolveLoad": .roles(counter),
        // Top-up orders (issue 8)
        "createTopupOrder": .roles([.channel]),
        "listTopupOrders": .roles(everyone.union([.channel])),
        "getTopupOrder": .roles(everyone.union([.channel])),
        "voidLoad": .roles([.supervisor]),
        "confirmLoadVoid": .roles([.supervisor]),
        "refundCard": .roles(counter),
        "approveRefund": .roles([.supervisor]),
        // Blacklist and validators (issue 9)
        "getBlacklist": .validator,
        "acknowledgeBlacklist": .validator,
        "validatorHeartbeat": .validator,
        "createBlacklistBatch": .roles(BlacklistPolicy.changers),
        "listBlacklistBatches": .roles(BlacklistPolicy.readers),
        "getBlacklistBatch": .roles(BlacklistPolicy.readers),
        "approveBlacklistBatch": .roles([.admin]),
        "undoBlacklistBatch": .roles([.admin]),
        "rejectBlacklistBatch": .roles([.admin]),
        "getIssuerWhitelist": .validator,
        "listIssuerWhitelist": .roles(BlacklistPolicy.readers),
        "importIssuerWhitelist": .roles([.admin]),
        "listBlacklistEntries": .roles(BlacklistPolicy.readers),
        "importBlacklist": .roles([.admin]),
        "exportBlacklist": .roles([.admin, .auditor]),
        "getBlacklistCard": .roles(BlacklistPolicy.readers),
        "registerValidator": .roles([.admin]),
        "listValidators": .roles(oversight),
        "revokeValidator": .roles([.admin]),
        "setValidatorGroup": .roles([.admin]),
        "getValidatorReport": .roles(oversight),
        // Validators' records (issue 10)
        "uploadTaps": .validator,
        "listTapExceptions": .roles(TapPolicy.reviewers),
        "resolveTapException": .roles(TapPolicy.resolvers),
        "exportClearing": .roles([.admin, .auditor]),
        "importClearing": .roles([.admin]),
        "getProgressReport": .roles(ProgressPolicy.readers),
        "setProgressRow": .roles(ProgressPolicy.editors),
        // Loss reports and replacement (issue 11). The rider's report and statement need no login:
        // they are rate-limited and answer without revealing whether a card exists.
        "reportLoss": .open,
        "getLossReport": .open,
        "reportCardLoss": .roles(LossPolicy.reporters),
        "getCardLossReport": .roles(LossPolicy.readers),
        "reclaimCard": .roles(counter),
        "replaceCard": .roles(counter),
        "blockCard": .roles(counter),
    ]

    /// Operations that move money: they need an `Idempotency-Key` header.
    static let moneyCommands: Set<String> = [
        "openShift", "closeShift", "forceCloseShift", "issueCard", "authorizeLoad", "resolveLoad", "createTopupOrder",
        "confirmLoadVoid", "refundCard", "replaceCard",
    ]
}
