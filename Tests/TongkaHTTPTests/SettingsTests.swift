import Configuration
import Foundation
import Testing
import TongkaDomain
import TongkaHTTP

/// Configuration as `tongka-server` reads it: keys, defaults and refusals that name the key.
@Suite struct SettingsTests {
    static let required: [AbsoluteConfigKey: ConfigValue] = [
        "database.url": .init(.string("postgres://tongka@/tongka?host=/tmp"), isSecret: true),
        "data.key": .init(.string(Data(repeating: 7, count: 32).base64EncodedString()), isSecret: true),
        "issuer.prefixes": .init(.string("31048200"), isSecret: false),
        "issuer.id": .init(.string("31045510FFFFFFFF"), isSecret: false),
    ]

    func settings(_ extra: [AbsoluteConfigKey: ConfigValue] = [:]) throws -> ServerSettings {
        let values = Self.required.merging(extra) { _, new in new }
        return try ServerSettings(reader: ConfigReader(providers: [InMemoryProvider(values: values)]))
    }

    @Test func theDatabaseWaitDefaultsToFiveSecondsAndReachesTheStores() throws {
        let defaults = try settings()
        #expect(defaults.databaseWait == .seconds(5))
        let configured = try settings(["database.wait.seconds": .init(.int(2), isSecret: false)])
        #expect(configured.databaseWait == .seconds(2))
        #expect(try configured.storeSettings().connectionWait == .seconds(2))
    }

    @Test func aDatabaseWaitOfZeroIsRefusedNamingItsKey() throws {
        #expect {
            try settings(["database.wait.seconds": .init(.int(0), isSecret: false)])
        } throws: { error in
            (error as? ServerSettings.Problem)?.description.contains("TONGKA_DATABASE_WAIT_SECONDS") == true
        }
    }

    @Test func loginThrottlesAndTheUserThresholdHaveDefaultsAndTheirOwnKeys() throws {
        let defaults = try settings()
        #expect(defaults.loginLimits == .standard)
        #expect(defaults.lockoutUserThreshold == 50)
        let configured = try settings([
            "login.address.per.minute": .init(.int(7), isSecret: false),
            "login.user.per.minute": .init(.int(3), isSecret: false),
            "login.hash.concurrency": .init(.int(4), isSecret: false),
            "lockout.user.threshold": .init(.int(20), isSecret: false),
        ])
        #expect(configured.loginLimits == LoginLimits(perAddressPerMinute: 7, perUserPerMinute: 3, concurrentHashes: 4))
        #expect(try configured.storeSettings().lockout == LockoutPolicy(pairThreshold: 5, userThreshold: 20, duration: 900))
    }

    @Test func aUserThresholdBelowTheAddressThresholdIsRefusedNamingItsKey() throws {
        #expect {
            try settings(["lockout.user.threshold": .init(.int(3), isSecret: false)])
        } throws: { error in
            (error as? ServerSettings.Problem)?.description.contains("TONGKA_LOCKOUT_USER_THRESHOLD") == true
        }
        #expect {
            try settings(["login.hash.concurrency": .init(.int(0), isSecret: false)])
        } throws: { error in
            (error as? ServerSettings.Problem)?.description.contains("TONGKA_LOGIN_HASH_CONCURRENCY") == true
        }
    }
}
