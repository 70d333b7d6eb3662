/// The languages Tongka speaks: clerks in Chinese service halls read Simplified Chinese.
public enum Language: String, Sendable, CaseIterable, Codable {
    case zh
    case en

    /// Picks a language from an `Accept-Language` header or a POSIX locale such as `zh_CN.UTF-8`.
    /// Anything that is not Chinese falls back to English.
    public init(localeOrHeader: String?) {
        guard let value = localeOrHeader?.lowercased(), !value.isEmpty else {
            self = .en
            return
        }
        let first = value.split(separator: ",").first.map(String.init) ?? value
        self = first.hasPrefix("zh") ? .zh : .en
    }
}

/// Every failure Tongka reports has one of these stable codes. Codes never change meaning and are
/// the same in every language; messages are for people and come in Chinese and English.
public enum ErrorCode: String, Sendable, CaseIterable, Codable {
    // Requests
    case malformedRequest = "malformed_request"
    case bodyTooLarge = "body_too_large"
    case unsupportedMediaType = "unsupported_media_type"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case idempotencyKeyMissing = "idempotency_key_missing"
    case idempotencyKeyInvalid = "idempotency_key_invalid"
    case idempotencyKeyReused = "idempotency_key_reused"
    case internalError = "internal_error"
    case serviceUnavailable = "service_unavailable"

    // Authentication and authorisation
    case unauthenticated = "unauthenticated"
    case invalidToken = "invalid_token"
    case sessionExpired = "session_expired"
    case invalidCredentials = "invalid_credentials"
    case accountLocked = "account_locked"
    case accountDisabled = "account_disabled"
    case passwordChangeRequired = "password_change_required"
    case weakPassword = "weak_password"
    case forbiddenRole = "forbidden_role"
    case forbiddenHall = "forbidden_hall"
    case alreadyBootstrapped = "already_bootstrapped"
    case tooManyAttempts = "too_many_attempts"
    case loginBusy = "login_busy"

    // Halls and clerks
    case invalidHallCode = "invalid_hall_code"
    case invalidName = "invalid_name"
    case hallCodeTaken = "hall_code_taken"
    case hallNotFound = "hall_not_found"
    case hallClosed = "hall_closed"
    case invalidUsername = "invalid_username"
    case usernameTaken = "username_taken"
    case clerkNotFound = "clerk_not_found"
    case hallRequired = "hall_required"
    case cannotLockSelf = "cannot_lock_self"
    case cannotResetSelf = "cannot_reset_self"

    // Money, shifts and the ledger
    case invalidAmount = "invalid_amount"
    case amountOutOfRange = "amount_out_of_range"
    case shiftAlreadyOpen = "shift_already_open"
    case noOpenShift = "no_open_shift"
    case shiftNotFound = "shift_not_found"
    case shiftClosed = "shift_closed"
    case insufficientCash = "insufficient_cash"
    case unbalancedTransaction = "unbalanced_transaction"
    case invalidDate = "invalid_date"
    case invalidDateRange = "invalid_date_range"

    // Products, stock, holders and cards
    case invalidProduct = "invalid_product"
    case productCodeTaken = "product_code_taken"
    case productNotFound = "product_not_found"
    case stockFileInvalid = "stock_file_invalid"
    case stockFileEmpty = "stock_file_empty"
    case stockBatchDuplicate = "stock_batch_duplicate"
    case insufficientStock = "insufficient_stock"
    case invalidCardNumber = "invalid_card_number"
    case unknownIssuerPrefix = "unknown_issuer_prefix"
    case cardNotFound = "card_not_found"
    case cardNotInHallStock = "card_not_in_hall_stock"
    case cardAlreadyIssued = "card_already_issued"
    case cardExpired = "card_expired"
    case invalidDocumentNumber = "invalid_document_number"
    case invalidPhone = "invalid_phone"
    case holderAlreadyRegistered = "holder_already_registered"
    case holderNotFound = "holder_not_found"
    case registrationNotAllowed = "registration_not_allowed"
    case anonymousNotAllowed = "anonymous_not_allowed"
    case invalidPaymentMethod = "invalid_payment_method"

    // Review fixes (issue 7): payment references, shift floats and forced closes, holder reads
    case paymentReferenceRequired = "payment_reference_required"
    case paymentReferenceNotAllowed = "payment_reference_not_allowed"
    case paymentReferenceTaken = "payment_reference_taken"
    case floatTooLarge = "float_too_large"
    case reasonRequired = "reason_required"
    case ownShift = "own_shift"
    case holderLookupLimit = "holder_lookup_limit"
    case invalidCursor = "invalid_cursor"

    // Top-ups (issue 8): purse loads, grey loads, voids, refunds, online orders
    case cardKeysUnavailable = "card_keys_unavailable"
    case invalidTerminal = "invalid_terminal"
    case invalidCardResponse = "invalid_card_response"
    case loadNotWholeYuan = "load_not_whole_yuan"
    case balanceLimitExceeded = "balance_limit_exceeded"
    case dailyLoadLimit = "daily_load_limit"
    case cardRefunded = "card_refunded"
    case loadMACInvalid = "load_mac_invalid"
    case loadReplayed = "load_replayed"
    case tacInvalid = "tac_invalid"
    case loadNotFound = "load_not_found"
    case loadNotOpen = "load_not_open"
    case greyLoadPending = "grey_load_pending"
    case greyLoadUndetermined = "grey_load_undetermined"
    case cardMismatch = "card_mismatch"

    // Top-up orders (issue 8)
    case orderNotFound = "order_not_found"
    case orderNotPending = "order_not_pending"
    case orderReferenceConflict = "order_reference_conflict"
    // Statements and reports (issue 8)
    case invalidGrouping = "invalid_grouping"
    // Voids and refunds (issue 8)
    case voidNotAllowed = "void_not_allowed"
    case amountNotInPurse = "amount_not_in_purse"
    case purchaseMACInvalid = "purchase_mac_invalid"
    case cardNotRefundable = "card_not_refundable"
    case balanceMismatch = "balance_mismatch"
    case refundApprovalRequired = "refund_approval_required"

    // Blacklist and validators (issue 9)
    case invalidBlacklistReason = "invalid_blacklist_reason"
    case invalidValidator = "invalid_validator"
    case invalidVersion = "invalid_version"
    case alreadyListed = "already_listed"
    case notListed = "not_listed"
    case batchNotFound = "batch_not_found"
    case batchNotPending = "batch_not_pending"
    case batchAlreadyUndone = "batch_already_undone"
    case secondAdminRequired = "second_admin_required"
    case validatorNotFound = "validator_not_found"
    case validatorRevoked = "validator_revoked"
    case terminalTaken = "terminal_taken"
    case wrongOperator = "wrong_operator"
    case blacklistKeyUnavailable = "blacklist_key_unavailable"
    case exchangeFileInvalid = "exchange_file_invalid"
    case invalidTapBatch = "invalid_tap_batch"
    case tapExceptionNotFound = "tap_exception_not_found"
    case tapExceptionResolved = "tap_exception_resolved"
    case invalidProgressRow = "invalid_progress_row"

    // Loss reports and replacement (issue 11)
    case cardAnonymous = "card_anonymous"
    case documentMismatch = "document_mismatch"
    case documentRequired = "document_required"
    case cardSuspended = "card_suspended"
    case cardReplaced = "card_replaced"
    case lossReportNotFound = "loss_report_not_found"
    case lossReportClosed = "loss_report_closed"
    case reclaimWindowPassed = "reclaim_window_passed"
    case lossReportNotAccepted = "loss_report_not_accepted"
    case tooManyLossReports = "too_many_loss_reports"
    case cardNotBlockable = "card_not_blockable"

    // Transport companies and lines (issue 10)
    case invalidCompanyCode = "invalid_company_code"
    case companyCodeTaken = "company_code_taken"
    case companyNotFound = "company_not_found"
    case lineTaken = "line_taken"
    case lineNotFound = "line_not_found"
    case transferNotInFuture = "transfer_not_in_future"
    case lineTransferExists = "line_transfer_exists"
    case lineTransferNotFound = "line_transfer_not_found"
    case lineAlreadyRuns = "line_already_runs"

    /// The HTTP status a response with this code carries.
    public var httpStatus: Int {
        switch self {
        case .malformedRequest, .idempotencyKeyMissing, .idempotencyKeyInvalid, .invalidHallCode, .invalidName,
            .invalidUsername, .invalidAmount, .amountOutOfRange, .invalidDate, .invalidDateRange, .weakPassword,
            .invalidProduct, .invalidCardNumber, .unknownIssuerPrefix, .invalidDocumentNumber, .invalidPhone,
            .hallRequired, .stockFileEmpty, .invalidPaymentMethod, .unbalancedTransaction, .paymentReferenceRequired,
            .paymentReferenceNotAllowed, .floatTooLarge, .reasonRequired, .invalidCursor, .invalidTerminal,
            .invalidCardResponse, .loadNotWholeYuan, .invalidGrouping, .invalidValidator, .invalidVersion,
            .invalidTapBatch, .invalidProgressRow, .documentRequired, .invalidCompanyCode:
            400
        case .unauthenticated, .invalidToken, .sessionExpired, .invalidCredentials, .validatorRevoked:
            401
        case .forbiddenRole, .forbiddenHall, .passwordChangeRequired, .accountDisabled, .cannotLockSelf,
            .cannotResetSelf, .secondAdminRequired, .wrongOperator:
            403
        case .notFound, .hallNotFound, .clerkNotFound, .shiftNotFound, .productNotFound, .cardNotFound,
            .holderNotFound, .loadNotFound, .orderNotFound, .batchNotFound, .validatorNotFound, .tapExceptionNotFound,
            .lossReportNotFound, .companyNotFound, .lineNotFound, .lineTransferNotFound:
            404
        case .idempotencyKeyReused, .hallCodeTaken, .usernameTaken, .shiftAlreadyOpen, .noOpenShift, .shiftClosed,
            .insufficientCash, .alreadyBootstrapped, .productCodeTaken, .insufficientStock, .cardNotInHallStock,
            .cardAlreadyIssued, .cardExpired, .holderAlreadyRegistered, .registrationNotAllowed, .anonymousNotAllowed,
            .hallClosed, .stockBatchDuplicate, .paymentReferenceTaken, .ownShift, .balanceLimitExceeded, .dailyLoadLimit,
            .cardRefunded, .loadReplayed, .loadNotOpen, .greyLoadPending, .greyLoadUndetermined,
            .cardMismatch, .orderNotPending, .orderReferenceConflict, .voidNotAllowed, .amountNotInPurse, .cardNotRefundable,
            .balanceMismatch, .refundApprovalRequired, .alreadyListed, .notListed, .batchNotPending, .batchAlreadyUndone,
            .terminalTaken, .tapExceptionResolved, .cardAnonymous, .cardSuspended, .cardReplaced, .lossReportClosed,
            .reclaimWindowPassed, .cardNotBlockable, .companyCodeTaken, .lineTaken,
            .lineTransferExists, .lineAlreadyRuns:
            409
        case .methodNotAllowed: 405
        case .bodyTooLarge: 413
        case .unsupportedMediaType: 415
        case .stockFileInvalid, .loadMACInvalid, .tacInvalid, .purchaseMACInvalid, .invalidBlacklistReason,
            .exchangeFileInvalid, .documentMismatch, .lossReportNotAccepted, .transferNotInFuture:
            422
        case .accountLocked: 423
        case .holderLookupLimit: 429
        case .tooManyAttempts, .tooManyLossReports: 429
        case .internalError: 500
        case .serviceUnavailable, .loginBusy, .cardKeysUnavailable, .blacklistKeyUnavailable: 503
        }
    }

    /// A short sentence for people, in the requested language.
    public func message(_ language: Language) -> String {
        let (en, zh) = texts
        return language == .zh ? zh : en
    }

    private var texts: (String, String) {
        switch self {
        case .malformedRequest: ("The request is malformed", "请求格式不正确")
        case .bodyTooLarge: ("The request body is too large", "请求内容过大")
        case .unsupportedMediaType: ("This content type is not accepted here", "不支持该内容类型")
        case .notFound: ("No such endpoint", "接口不存在")
        case .methodNotAllowed: ("This endpoint does not accept this method", "该接口不支持此请求方法")
        case .idempotencyKeyMissing: ("This command needs an Idempotency-Key header", "该操作需要幂等键（Idempotency-Key）")
        case .idempotencyKeyInvalid:
            ("The idempotency key must be 8 to 100 letters, digits, '-' or '_'", "幂等键须为8至100位字母、数字、“-”或“_”")
        case .idempotencyKeyReused: ("This idempotency key was already used for a different request", "该幂等键已用于另一笔不同的请求")
        case .internalError: ("Internal error; the request was not completed", "系统内部错误，操作未完成")
        case .serviceUnavailable: ("The service is not ready", "服务暂不可用")
        case .unauthenticated: ("Log in first", "请先登录")
        case .invalidToken: ("The session is not valid; log in again", "登录凭证无效，请重新登录")
        case .sessionExpired: ("The session has expired; log in again", "登录已过期，请重新登录")
        case .invalidCredentials: ("Wrong user name or password", "用户名或密码错误")
        case .accountLocked: ("Too many wrong passwords; the account is locked for a while", "密码错误次数过多，账号已被暂时锁定")
        case .accountDisabled: ("The account is locked by an administrator", "账号已被管理员锁定")
        case .passwordChangeRequired: ("Change the one-time password first", "请先修改一次性密码")
        case .weakPassword:
            ("The password must have 10 to 128 characters and must not contain the user name", "密码须为10至128个字符，且不得包含用户名")
        case .forbiddenRole: ("Your role may not do this", "您的角色无权执行此操作")
        case .forbiddenHall: ("This belongs to another service hall", "该操作属于其他服务网点")
        case .alreadyBootstrapped: ("The installation is already bootstrapped", "系统已完成初始化")
        case .tooManyAttempts: ("Too many login attempts; wait a moment and try again", "登录尝试过于频繁，请稍后再试")
        case .loginBusy: ("The server is busy checking other logins; try again in a moment", "服务器正忙于处理其他登录，请稍后再试")
        case .invalidHallCode: ("A hall code is 2 to 16 capital letters, digits or '-'", "网点编码须为2至16位大写字母、数字或“-”")
        case .invalidName: ("The name is empty, too long or has control characters", "名称为空、过长或含有控制字符")
        case .hallCodeTaken: ("A hall with this code exists", "该网点编码已存在")
        case .hallNotFound: ("No such service hall", "网点不存在")
        case .hallClosed: ("The service hall is closed", "网点已关闭")
        case .invalidUsername:
            (
                "A user name is 3 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter",
                "用户名须为3至32位小写字母、数字、“.”、“_”或“-”，并以字母开头"
            )
        case .usernameTaken: ("This user name is taken", "该用户名已被使用")
        case .clerkNotFound: ("No such clerk", "柜员不存在")
        case .hallRequired: ("Clerks and supervisors belong to a service hall", "柜员和主管必须归属某个网点")
        case .cannotLockSelf: ("You cannot lock your own account", "不能锁定自己的账号")
        case .cannotResetSelf:
            ("You cannot reset your own password here; change it with your current password", "不能在此重置自己的密码，请用当前密码修改")
        case .invalidAmount: ("The amount is not a valid yuan amount (e.g. 50, 50.5, ¥50.50)", "金额格式不正确（例如 50、50.5、¥50.50）")
        case .amountOutOfRange: ("The amount is negative or too large", "金额为负数或超出上限")
        case .shiftAlreadyOpen: ("You already have an open shift", "您已有未结束的班次")
        case .noOpenShift: ("Open a shift first", "请先开班")
        case .shiftNotFound: ("No such shift", "班次不存在")
        case .shiftClosed: ("The shift is closed and cannot change", "班次已结束，不能修改")
        case .insufficientCash: ("Not enough cash in the drawer or balance on the account", "钱箱现金或账户余额不足")
        case .unbalancedTransaction: ("A ledger transaction must have two or more entries that sum to zero", "账务交易须有两条以上分录且借贷平衡")
        case .invalidDate: ("The date is not valid (use YYYY-MM-DD)", "日期格式不正确（应为YYYY-MM-DD）")
        case .invalidDateRange: ("The date range is not valid", "日期范围不正确")
        case .invalidProduct: ("The card product is not valid", "卡产品参数不正确")
        case .productCodeTaken: ("A product with this code exists", "该卡产品编码已存在")
        case .productNotFound: ("No such card product", "卡产品不存在")
        case .stockFileInvalid: ("The stock file has bad lines; nothing was imported", "库存文件有错误行，未导入任何卡片")
        case .stockFileEmpty: ("The stock file has no cards", "库存文件中没有卡片")
        case .stockBatchDuplicate: ("This stock file was imported already", "该库存文件已导入过")
        case .insufficientStock: ("Not enough cards in stock", "库存卡片不足")
        case .invalidCardNumber: ("A card number is 19 digits", "卡号应为19位数字")
        case .unknownIssuerPrefix: ("The card number does not start with this operator's issuer prefix", "卡号不属于本发卡机构")
        case .cardNotFound: ("No such card", "卡片不存在")
        case .cardNotInHallStock: ("This card is not in your hall's stock", "该卡不在本网点库存中")
        case .cardAlreadyIssued: ("This card has been issued already", "该卡已发行")
        case .cardExpired: ("This card's validity has ended", "该卡已过有效期")
        case .invalidDocumentNumber: ("The identity document number is not valid", "证件号码不正确")
        case .invalidPhone: ("The phone number is not valid", "手机号码不正确")
        case .holderAlreadyRegistered: ("A holder with this document is registered already", "该证件已登记持卡人")
        case .holderNotFound: ("No such holder", "持卡人不存在")
        case .registrationNotAllowed: ("This product cannot be registered to a holder", "该卡产品不支持记名")
        case .anonymousNotAllowed: ("This product must be registered to a holder", "该卡产品必须记名发行")
        case .invalidPaymentMethod: ("Unknown payment method", "不支持的支付方式")
        case .paymentReferenceRequired:
            (
                "A non-cash payment needs the channel's transaction reference (4 to 64 letters, digits, '-' or '_')",
                "非现金支付须填写支付渠道的交易参考号（4至64位字母、数字、“-”或“_”）"
            )
        case .paymentReferenceNotAllowed: ("A cash payment has no channel reference", "现金支付无需交易参考号")
        case .paymentReferenceTaken: ("This channel reference was recorded for another payment already", "该交易参考号已用于另一笔支付")
        case .floatTooLarge: ("The cash float is above the operator's maximum", "备用金超出规定上限")
        case .reasonRequired: ("Give a reason (1 to 500 characters)", "请填写原因（1至500个字符）")
        case .ownShift: ("Close your own shift with shift close, not a forced close", "本人班次请正常结班，不能强制结班")
        case .holderLookupLimit: ("Too many holder lookups; try again later", "查询持卡人过于频繁，请稍后再试")
        case .invalidCursor: ("The page cursor is not valid; start from the first page", "分页游标无效，请从第一页开始")
        case .cardKeysUnavailable: ("The server has no card keys configured; loads are not possible", "服务器未配置卡密钥，无法圈存")
        case .invalidTerminal: ("The load terminal is not valid", "圈存终端不正确")
        case .invalidCardResponse: ("The card's answer is malformed", "卡片应答格式不正确")
        case .loadNotWholeYuan: ("Top-ups are in whole yuan", "充值金额须为整元")
        case .balanceLimitExceeded: ("The balance after this top-up would exceed the card's maximum", "充值后余额将超过该卡上限")
        case .dailyLoadLimit: ("This card has reached today's top-up limit", "该卡今日充值已达上限")
        case .cardRefunded: ("This card was returned and refunded; it cannot be used", "该卡已退卡，不能使用")
        case .loadMACInvalid: ("The card's MAC1 does not verify; nothing was loaded", "卡片MAC1校验失败，未充值")
        case .loadReplayed: ("This card answer was used for a top-up already; read the card again", "该卡片应答已用于一笔充值，请重新读卡")
        case .tacInvalid: ("The card's TAC does not verify for this top-up", "卡片TAC与该笔充值不符")
        case .loadNotFound: ("No such top-up", "充值记录不存在")
        case .loadNotOpen: ("This top-up is decided already", "该笔充值已处理")
        case .greyLoadPending: ("This card has an unfinished top-up; read the card to resolve it first", "该卡有未完成的充值（灰记录），请先读卡处理")
        case .greyLoadUndetermined:
            ("The card does not show whether the top-up was credited; keep it open", "无法从卡片判断该笔充值是否成功，暂不处理")
        case .cardMismatch: ("The card in the reader is not the card of this operation", "读卡器中的卡与本次操作不符")
        case .orderNotFound: ("No such top-up order", "充值订单不存在")
        case .orderNotPending: ("This top-up order is not waiting to be loaded", "该充值订单不在待圈存状态")
        case .orderReferenceConflict:
            ("This channel reference was used for a different order", "该渠道参考号已用于另一笔不同的订单")
        case .invalidGrouping: ("The report cannot be grouped like this", "报表不支持该分组方式")
        case .voidNotAllowed:
            ("Only a confirmed top-up of a shift that is still open can be voided", "只能撤销本班次内已确认的充值")
        case .amountNotInPurse: ("The card no longer holds the top-up's amount", "卡内余额不足充值金额，无法撤销")
        case .purchaseMACInvalid: ("The card's MAC2 does not verify for this debit; nothing was voided", "卡片MAC2校验失败，未撤销")
        case .cardNotRefundable: ("This card was returned already and cannot be refunded again", "该卡已退卡，不能再次退卡")
        case .balanceMismatch:
            (
                "The card holds more than the back office credited; the card cannot be refunded until this is cleared",
                "卡内余额高于后台记录，暂不能退卡"
            )
        case .refundApprovalRequired: ("A refund of this size needs a supervisor's approval", "该笔退款金额较大，需主管审批")
        case .invalidBlacklistReason: ("This reason cannot be given for this card", "该原因不适用于此卡")
        case .invalidValidator: ("The validator's details are not valid", "终端信息不正确")
        case .invalidVersion: ("The list version is not valid", "名单版本号不正确")
        case .alreadyListed: ("The card is on the blacklist already", "该卡已在黑名单中")
        case .notListed: ("The card is not on the blacklist", "该卡不在黑名单中")
        case .batchNotFound: ("No such blacklist batch", "黑名单批次不存在")
        case .batchNotPending: ("The batch is not waiting for approval", "该批次不在待审批状态")
        case .batchAlreadyUndone: ("The batch was undone already", "该批次已撤销")
        case .secondAdminRequired: ("A second admin must approve this batch", "该批次须由另一位管理员审批")
        case .validatorNotFound: ("No such validator", "终端不存在")
        case .validatorRevoked: ("The validator's token was revoked", "该终端的凭证已吊销")
        case .terminalTaken: ("A validator with this terminal number is registered already", "该终端号已注册")
        case .wrongOperator: ("This list belongs to another operator", "该名单属于其他运营机构")
        case .blacklistKeyUnavailable: ("The blacklist signing key is not configured", "未配置黑名单签名密钥")
        case .exchangeFileInvalid: ("The blacklist exchange file is refused; nothing was imported", "黑名单交换文件有误，未导入任何内容")
        case .invalidTapBatch: ("An upload carries 1 to 1,000 records, in a batch that decodes", "每次上传须含 1 至 1,000 条记录，且格式正确")
        case .tapExceptionNotFound: ("No such exception", "异常记录不存在")
        case .tapExceptionResolved: ("The exception was resolved already", "该异常已处理")
        case .invalidProgressRow: ("No such row in this variant of the progress report", "进度表中没有该序号")
        case .cardAnonymous: ("An anonymous card cannot be reported lost", "不记名卡不能挂失")
        case .documentMismatch: ("The document is not the card holder's", "证件与持卡人登记信息不符")
        case .documentRequired: ("This needs the holder's identity document", "此操作须出示持卡人身份证件")
        case .cardSuspended: ("This card was reported lost and is suspended", "该卡已挂失，暂停使用")
        case .cardReplaced: ("This card was reported lost and replaced; it cannot be used", "该卡已挂失补卡，不能使用")
        case .lossReportNotFound: ("No such loss report", "挂失记录不存在")
        case .lossReportClosed: ("This loss report is closed: the card was reclaimed", "该挂失已解除（卡片已找回）")
        case .reclaimWindowPassed: ("The window for reclaiming this card has passed", "已超过解挂期限，卡片不能再解挂")
        case .lossReportNotAccepted:
            (
                "No registered card matches this card number and document; check both and try again",
                "未找到与该卡号和证件相符的记名卡，请核对后重试"
            )
        case .cardNotBlockable:
            (
                "This card is in use; only a replaced, returned or long-lost card is blocked for good",
                "该卡正常使用中，只有已补卡、已退卡或超过解挂期限的卡才能永久锁定"
            )
        case .tooManyLossReports: ("Too many loss reports from here; try again later", "挂失请求过于频繁，请稍后再试")
        case .invalidCompanyCode: ("Company codes are 2-20 of A-Z, 0-9, - and _", "运营企业代码为 2-20 位字母、数字、- 或 _")
        case .companyCodeTaken: ("A transport company with this code exists", "该运营企业代码已存在")
        case .companyNotFound: ("No such transport company", "运营企业不存在")
        case .lineTaken: ("This line of this mode is entered already", "该线路已登记")
        case .lineNotFound: ("No such line of this mode", "该线路未登记")
        case .transferNotInFuture: ("A line changes company from a future day only", "线路只能从今后某日起变更运营企业")
        case .lineTransferExists: ("A change of company from that day is entered already", "该日起的运营企业变更已登记")
        case .lineTransferNotFound: ("No change of company from that day is entered", "该日起没有登记运营企业变更")
        case .lineAlreadyRuns: ("That company runs the line on that day already", "该企业当日已运营此线路")
        }
    }
}

/// A failure with a stable code and an optional detail (never personal data, keys or full card
/// numbers: the detail reaches logs and screens).
public struct TongkaError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: ErrorCode
    public let detail: String?
    /// For refusals that lift by themselves: after how many seconds to try again (the HTTP
    /// `Retry-After` header).
    public let retryAfter: Int?

    public init(_ code: ErrorCode, detail: String? = nil, retryAfter: Int? = nil) {
        self.code = code
        self.detail = detail
        self.retryAfter = retryAfter
    }

    /// The message for people: the catalogue sentence plus the detail.
    public func message(_ language: Language) -> String {
        guard let detail, !detail.isEmpty else { return code.message(language) }
        return code.message(language) + (language == .zh ? "：" : ": ") + detail
    }

    public var description: String { "\(code.rawValue): \(message(.en))" }
}
