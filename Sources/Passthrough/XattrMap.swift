import Glibc

/// virtiofsd's xattr name mapping (`-o xattrmap=` / `--xattrmap`): rules of the form
/// `:type:scope:key:prepend:` where the first character of each rule is its separator,
/// type is prefix|ok|bad|unsupported, scope is client|server|all; `:map:key:prepend:` is sugar
/// for several rules and must come last. The first matching rule wins; no match means denied.
public struct XattrMap: Sendable, Equatable {
    public enum RuleType: String, Sendable, CaseIterable {
        case prefix, ok, bad, unsupported
    }

    public struct Scope: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let client = Scope(rawValue: 1)
        public static let server = Scope(rawValue: 2)
        public static let all: Scope = [.client, .server]
    }

    public struct Rule: Sendable, Equatable {
        public var type: RuleType
        public var scope: Scope
        /// Prefix matched against names from the guest.
        public var key: [UInt8]
        /// Prefix added for the host, and matched against names from the host.
        public var prepend: [UInt8]

        public init(type: RuleType, scope: Scope, key: String, prepend: String) {
            self.type = type
            self.scope = scope
            self.key = Array(key.utf8)
            self.prepend = Array(prepend.utf8)
        }
    }

    /// The mapping of a guest name for get/set/removexattr.
    public enum ClientResult: Sendable, Equatable {
        case name([UInt8])
        case denied(Int32)
    }

    public let rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    /// Guest name -> host name, or the errno to refuse it with (EPERM for bad, ENOTSUP for
    /// unsupported, EPERM when no rule matches).
    public func mapClient(_ name: [UInt8]) -> ClientResult {
        for rule in rules where rule.scope.contains(.client) && name.starts(with: rule.key) {
            switch rule.type {
            case .bad: return .denied(EPERM)
            case .unsupported: return .denied(EOPNOTSUPP)
            case .ok: return .name(name)
            case .prefix: return .name(rule.prepend + name)
            }
        }
        return .denied(EPERM)
    }

    /// Host name (from listxattr) -> guest name, or nil when it must be hidden from the guest.
    public func mapServer(_ name: [UInt8]) -> [UInt8]? {
        for rule in rules where rule.scope.contains(.server) && name.starts(with: rule.prepend) {
            switch rule.type {
            case .bad, .unsupported: return nil
            case .ok: return name
            case .prefix: return Array(name.dropFirst(rule.prepend.count))
            }
        }
        return nil
    }
}
