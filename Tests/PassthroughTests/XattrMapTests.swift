import Glibc
import Testing
@testable import Passthrough

@Suite struct XattrMapTests {
    @Test func parsesRulesWithAnySeparatorAndWhitespace() throws {
        let map = try XattrMap(parsing: ":prefix:client:trusted.:user.virtiofs.: /ok/all///  ")
        #expect(map.rules == [
            .init(type: .prefix, scope: .client, key: "trusted.", prepend: "user.virtiofs."),
            .init(type: .ok, scope: .all, key: "", prepend: ""),
        ])
    }

    @Test func allTypesAndScopes() throws {
        let map = try XattrMap(parsing: ":bad:server::security.: :unsupported:client:system.:: ,ok,all,,,")
        #expect(map.rules.map(\.type) == [.bad, .unsupported, .ok])
        #expect(map.rules.map(\.scope) == [.server, .client, .all])
    }

    @Test func rulesRunTogetherTakeTheNextCharacterAsSeparator() {
        // As in virtiofsd: after a rule's closing separator the next character opens a rule.
        #expect(errnoOf { try XattrMap(parsing: ":ok:all:::ok:all:::") } == EINVAL)
    }

    @Test func mapSugarWithKeyExpandsLikeVirtiofsd() throws {
        let map = try XattrMap(parsing: ":map:trusted.:user.virtiofs.:")
        #expect(map.rules == [
            .init(type: .prefix, scope: .all, key: "trusted.", prepend: "user.virtiofs."),
            .init(type: .bad, scope: .server, key: "", prepend: "trusted."),
            .init(type: .bad, scope: .client, key: "user.virtiofs.", prepend: ""),
            .init(type: .ok, scope: .all, key: "", prepend: ""),
        ])
        #expect(map.mapClient(bytes("trusted.x")) == .name(bytes("user.virtiofs.trusted.x")))
        #expect(map.mapClient(bytes("user.virtiofs.trusted.x")) == .denied(EPERM))
        #expect(map.mapClient(bytes("user.plain")) == .name(bytes("user.plain")))
        #expect(map.mapServer(bytes("user.virtiofs.trusted.x")) == bytes("trusted.x"))
        #expect(map.mapServer(bytes("trusted.hostonly")) == nil)
        #expect(map.mapServer(bytes("user.plain")) == bytes("user.plain"))
    }

    @Test func mapSugarWithoutKeyPrefixesEverything() throws {
        let map = try XattrMap(parsing: ":map::user.virtiofs.:")
        #expect(map.rules.count == 2)
        #expect(map.mapClient(bytes("security.selinux")) == .name(bytes("user.virtiofs.security.selinux")))
        #expect(map.mapServer(bytes("security.selinux")) == nil)
        #expect(map.mapServer(bytes("user.virtiofs.user.a")) == bytes("user.a"))
    }

    @Test func noMatchingRuleDenies() throws {
        let map = try XattrMap(parsing: ":ok:client:user.::")
        #expect(map.mapClient(bytes("user.a")) == .name(bytes("user.a")))
        #expect(map.mapClient(bytes("trusted.a")) == .denied(EPERM))
        #expect(map.mapServer(bytes("user.a")) == nil)  // the rule is client-only
        let unsupported = try XattrMap(parsing: ":unsupported:all:security.:security.:")
        #expect(unsupported.mapClient(bytes("security.x")) == .denied(EOPNOTSUPP))
    }

    @Test(arguments: [
        ("", "empty map"),
        ("   ", "empty map"),
        (":foo:all:a:b:", "unknown type 'foo'"),
        (":ok:everyone:a:b:", "unknown scope 'everyone'"),
        (":ok:all:a", "missing ':' at the end of the key field"),
        (":ok:all:a:b", "missing ':' at the end of the prepend field"),
        (":ok", "missing ':' at the end of the type field"),
        (":map:a:b: :ok:all:::", "'map' must be the last rule"),
        (":ok:all::: :bad", "rule 2: missing ':' at the end of the type field"),
    ])
    func malformedRulesAreRejectedClearly(input: String, message: String) {
        do {
            let map = try XattrMap(parsing: input)
            Issue.record("parsed \(input) into \(map.rules)")
        } catch {
            #expect(error.errno == EINVAL)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }
}
