import Foundation
import Histogram

/// What one run measured: operations completed inside the measured window, their latencies and
/// the refusals by error code.
struct Measurement {
    var operations: Int
    var seconds: Double
    /// Microseconds.
    var latency: Histogram<UInt64>
    var refusals: [String: Int]

    var operationsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }
    func milliseconds(atPercentile percentile: Double) -> Double {
        Double(latency.valueAtPercentile(percentile)) / 1000
    }
    var errors: Int { refusals.values.reduce(0, +) }
}

/// Runs `clients` concurrent clients, each doing one operation after the other (closed loop),
/// for `warmup` (not counted: connections and prepared statements get made) and then `duration`.
/// An operation counts when it ends inside the measured window.
struct Driver {
    let clients: Int
    let warmup: Duration
    let duration: Duration

    /// Latencies above a minute are clamped (the request timeout is a minute).
    static let highestMicroseconds: UInt64 = 60_000_000

    private struct ClientResult: Sendable {
        var operations = 0
        var latency = Histogram<UInt64>(highestTrackableValue: Driver.highestMicroseconds, numberOfSignificantValueDigits: .three)
        var refusals: [String: Int] = [:]
        var failure: String?
    }

    func drive<S: Scenario>(_ scenario: S) async throws -> Measurement {
        let clock = ContinuousClock()
        let start = clock.now
        let measuredFrom = start + warmup
        let end = measuredFrom + duration
        let results = await withTaskGroup(of: ClientResult.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var result = ClientResult()
                    var sequence = 0
                    while clock.now < end {
                        let began = clock.now
                        var refusal: String?
                        do {
                            try await scenario.perform(client: client, sequence: sequence)
                        } catch let refused as OperationRefused {
                            refusal = refused.code
                        } catch let failure as BenchFailure {
                            result.failure = failure.description
                            break
                        } catch {
                            refusal = "transport_error"
                        }
                        sequence += 1
                        let ended = clock.now
                        guard ended >= measuredFrom, ended <= end else { continue }
                        if let refusal {
                            result.refusals[refusal, default: 0] += 1
                        } else {
                            result.operations += 1
                            let micros = (ended - began).microseconds
                            _ = result.latency.record(min(UInt64(max(micros, 1)), Driver.highestMicroseconds))
                        }
                    }
                    return result
                }
            }
            var all: [ClientResult] = []
            for await result in group { all.append(result) }
            return all
        }
        if let failure = results.compactMap(\.failure).first { throw BenchFailure(failure) }
        var measurement = Measurement(
            operations: 0, seconds: duration.seconds,
            latency: Histogram<UInt64>(highestTrackableValue: Driver.highestMicroseconds, numberOfSignificantValueDigits: .three),
            refusals: [:])
        for result in results {
            measurement.operations += result.operations
            measurement.latency.add(result.latency)
            measurement.refusals.merge(result.refusals, uniquingKeysWith: +)
        }
        return measurement
    }
}
