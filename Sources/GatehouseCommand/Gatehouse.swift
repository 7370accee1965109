import ArgumentParser
import Foundation
import Gatehouse
import GatehouseServer

/// `gatehouse`: the accounts and sessions server, and the tools to administer its database.
///
/// Exit codes: 0 on success; 1 when the work could not be done (an unknown user, a taken username,
/// invalid input, an unreachable database); 2 for a usage error (an unknown option, an invalid value).
@main
struct GatehouseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "Accounts and sessions for Swift servers.",
        discussion: """
            Start the server with `gatehouse serve`: it listens on 127.0.0.1:8080, keeps its data in \
            ./gatehouse.sqlite and generates its signing key on first start. The other commands work on \
            the same database. Every option of `serve` can also be set with a GATEHOUSE_* environment \
            variable; a flag wins over its variable.

            Exit codes: 0 success, 1 the work could not be done, 2 usage error.
            """,
        subcommands: [
            ServeCommand.self,
            MigrateCommand.self,
            AccountsCommand.self,
            SessionsCommand.self,
            KeysCommand.self,
            MailCommand.self,
            AuditCommand.self,
        ]
    )

    /// Parses and runs like ArgumentParser's own entry point, with the exit codes above: usage errors
    /// exit with 2 rather than `EX_USAGE`, and Gatehouse's own errors print their message and exit with 1.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as AccountError {
            fail(error.message, code: 1)
        } catch let error as ServerConfigurationError {
            fail(error.message, code: 1)
        } catch let error as ValidationError {
            let path = commandPath(to: type(of: command)) ?? "gatehouse"
            fail("\(error.message)\nSee '\(path) --help' for the accepted values.", code: 2)
        } catch {
            exit(withError: error)
        }
    }

    private static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(code)
    }

    /// `gatehouse accounts create` for `AccountsCommand.Create`, found in the subcommand tree.
    private static func commandPath(to target: any ParsableCommand.Type, from root: any ParsableCommand.Type = GatehouseCommand.self) -> String? {
        let name = root.configuration.commandName ?? "gatehouse"
        if root == target { return name }
        for child in root.configuration.subcommands {
            if let path = commandPath(to: target, from: child) { return "\(name) \(path)" }
        }
        return nil
    }
}
