import PostgresNIO
import TongkaDomain

/// The one place where database failures become domain errors: by constraint name, which every
/// constraint in `SQL/migrations/` has. Anything unmapped stays a database error (HTTP 500).
enum ErrorMapping {
    static let byConstraint: [String: ErrorCode] = [
        "installation_pkey": .alreadyBootstrapped,
        "service_halls_code_key": .hallCodeTaken,
        "service_halls_code_format": .invalidHallCode,
        "clerks_username_key": .usernameTaken,
        "clerks_username_format": .invalidUsername,
        "clerks_hall_required": .hallRequired,
        "shifts_one_open_per_clerk": .shiftAlreadyOpen,
        "shifts_closed_final": .shiftClosed,
        "shifts_opening_float": .amountOutOfRange,
        "shifts_counted_cash": .amountOutOfRange,
        "ledger_accounts_balance_non_negative": .insufficientCash,
        "ledger_drawer_non_negative": .insufficientCash,
        "journal_balanced": .unbalancedTransaction,
        "journal_entries_amount": .amountOutOfRange,
        "idempotency_keys_format": .idempotencyKeyInvalid,
        "card_products_code_key": .productCodeTaken,
        "stock_batches_file_key": .stockBatchDuplicate,
        "holders_document_key": .holderAlreadyRegistered,
        "service_halls_name_length": .invalidName,
        "transport_companies_code_key": .companyCodeTaken,
        "transport_companies_code_format": .invalidCompanyCode,
        "transport_companies_name_length": .invalidName,
        "transport_lines_key": .lineTaken,
        "transport_lines_line_length": .invalidName,
        "transport_lines_stations": .invalidName,
        "service_halls_address_length": .invalidName,
        "clerks_display_name_length": .invalidName,
        "holders_name_length": .invalidName,
        "card_products_name_length": .invalidName,
        "stock_batches_file_name_length": .invalidName,
        "shifts_close_note_length": .invalidName,
        "cards_pkey": .cardAlreadyIssued,
        // Two imports of overlapping cards racing past the line-by-line check.
        "card_stock_pkey": .stockFileInvalid,
        "card_stock_chip_uid_key": .stockFileInvalid,
        "journal_transactions_payment_reference_key": .paymentReferenceTaken,
        "journal_transactions_payment_reference_format": .paymentReferenceRequired,
        "journal_transactions_non_cash_has_reference": .paymentReferenceRequired,
        "journal_transactions_cash_has_no_reference": .paymentReferenceNotAllowed,
        "shifts_force_close_reason_length": .reasonRequired,
        "loads_initialize_key": .loadReplayed,
        "loads_one_mac2_per_serial": .loadReplayed,
        "loads_one_open_per_card": .greyLoadPending,
        "load_terminals_label_format": .invalidTerminal,
        // Top-up orders (issue 8): the same reference posted twice at the same moment.
        "topup_orders_reference_key": .orderReferenceConflict,
        "loads_one_live_per_order": .orderNotPending,
        // Blacklist (issue 9): the log's trigger, behind the store's own checks.
        "blacklist_entries_already_listed": .alreadyListed,
        "blacklist_entries_not_listed": .notListed,
        "blacklist_batches_undo_once": .batchAlreadyUndone,
        "blacklist_batches_second_admin": .secondAdminRequired,
        "blacklist_batches_note_length": .invalidName,
        "validators_terminal_key": .terminalTaken,
    ]

    /// Failures that mean the database cannot be reached right now: the request changed nothing.
    static let unavailableCodes: [PSQLError.Code] = [
        .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown,
    ]
    /// SQLSTATEs of a database that is gone or shutting down (3D000: no such database, 57P0x:
    /// shutdown, 08xxx: connection exceptions).
    static func isUnavailableState(_ state: String) -> Bool {
        state == "3D000" || state.hasPrefix("57P") || state.hasPrefix("08")
    }

    static func map(_ error: PSQLError) -> TongkaError? {
        if unavailableCodes.contains(error.code) {
            return TongkaError(.serviceUnavailable, detail: "database unavailable")
        }
        guard error.code == .server, let info = error.serverInfo else { return nil }
        if let state = info[.sqlState], isUnavailableState(state) {
            return TongkaError(.serviceUnavailable, detail: "database unavailable")
        }
        if let constraint = info[.constraintName], let code = byConstraint[constraint] {
            return TongkaError(code)
        }
        // Serialization failures and deadlocks are the database deciding a race: the request
        // changed nothing and may be retried with the same idempotency key.
        if let state = info[.sqlState], state == "40001" || state == "40P01" {
            return TongkaError(.serviceUnavailable, detail: "concurrent update, retry")
        }
        return nil
    }
}
