using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using AkkaMq.Cli.Common;
using AkkaMq.Client.Admin;
using AkkaMq.Protocol;
using Spectre.Console;

namespace AkkaMq.Cli.Admin;

/// <summary>
/// Shared shape of the admin subcommands (mqadmin's): -n/--namesrv, --json, a client system with
/// an <see cref="AkkaMqAdmin"/>, and one clear error line for an unreachable NameServer or a
/// refused request.
/// </summary>
public abstract class AdminCommandBase : CliCommand
{
    private readonly Option<string> _namesrv = new("--namesrv", "-n")
    {
        Description = "NameServer address(es), host:port[;host:port]",
        DefaultValueFactory = _ => "127.0.0.1:9876",
    };
    private readonly Option<bool> _json = new("--json") { Description = "Print the result as JSON (for scripts) instead of a table" };
    private readonly Option<string?> _accessKey = new("--accessKey") { Description = $"Access key of a cluster with auth on (else ${Credentials.AccessKeyEnv} or the credentials file)" };
    private readonly Option<string?> _secretKey = new("--secretKey") { Description = $"Secret key (else ${Credentials.SecretKeyEnv} or the credentials file)" };
    private readonly Option<string?> _credentials = new("--credentials") { Description = "File of accessKey=... and secretKey=... lines (default ~/.akkamq/credentials)" };

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Bodies and keys stay readable ("{"id":42}", not \u0022); stdout is not embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    protected AdminCommandBase(string name, string description) : base(name, description) { }

    /// <summary>Adds the command's own options, then -n and --json.</summary>
    protected void AddOptions(params Option[] options)
    {
        foreach (var o in options) Options.Add(o);
        Options.Add(_namesrv);
        Options.Add(_json);
        Options.Add(_accessKey);
        Options.Add(_secretKey);
        Options.Add(_credentials);
    }

    /// <summary>Runs the operation; returns the result object (JSON form) and how to draw it as a table.</summary>
    protected abstract Task<(object Result, Action<IAnsiConsole> Render)> RunAsync(AkkaMqAdmin admin, ParseResult r, CancellationToken ct);

    protected sealed override async Task<int> ExecuteAsync(ParseResult r, CancellationToken ct)
    {
        var namesrv = r.GetValue(_namesrv)!;
        var credentials = Credentials.Hocon(r.GetValue(_accessKey), r.GetValue(_secretKey), r.GetValue(_credentials));
        await using var client = ClientSystem.Create(namesrv, extraHocon: credentials);
        await using var admin = new AkkaMqAdmin(client.Context);
        try
        {
            // Reachability first, so every command fails the same way when no NameServer answers.
            await admin.ClusterInfoAsync(ct);
        }
        catch (AkkaMqException e) when (e.Code is ResponseCode.Unauthorized or ResponseCode.Forbidden)
        {
            throw new CliException(e.Message);
        }
        catch (AkkaMqException e) when (e.Code == ResponseCode.ServiceNotAvailable)
        {
            throw new CliException($"cannot reach the NameServer at {namesrv} (no answer within {client.Settings.RequestTimeout.TotalSeconds:0.#} s)");
        }
        (object Result, Action<IAnsiConsole> Render) outcome;
        try
        {
            outcome = await RunAsync(admin, r, ct);
        }
        catch (AkkaMqException e)
        {
            throw new CliException(e.Message);
        }
        if (r.GetValue(_json))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(outcome.Result, outcome.Result.GetType(), JsonOptions));
        }
        else
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            console.Profile.Width = 240; // tables stay on one line per row when piped
            outcome.Render(console);
        }
        Console.Out.Flush();
        return 0;
    }

    /// <summary>A table with the given columns, no border colours, for terminals and pipes alike.</summary>
    protected static Table NewTable(params string[] columns)
    {
        var t = new Table().Border(TableBorder.Simple);
        foreach (var c in columns) t.AddColumn(new TableColumn(Markup.Escape(c)));
        return t;
    }

    protected static void AddRow(Table t, params object?[] cells) =>
        t.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c switch
        {
            null => "",
            double d => d.ToString("0.##"),
            _ => c.ToString() ?? "",
        })).ToArray());

    /// <summary>Unix milliseconds as UTC time, or "-" for none.</summary>
    protected static string Time(long unixMillis) =>
        unixMillis <= 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(unixMillis).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff") + "Z";

    protected static string Duration(long? millis)
    {
        if (millis == null) return "-";
        var t = TimeSpan.FromMilliseconds(millis.Value);
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours}h" : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes}m" : $"{t.Minutes}m {t.Seconds}s";
    }

    protected static Option<string> Required(string name, string alias, string description) => new(name, alias)
    {
        Description = description,
        Required = true,
    };

    protected static void Positive(Option<int> option) => option.Validators.Add(res =>
    {
        if (res.GetValueOrDefault<int>() < 1) res.AddError($"{option.Name} must be at least 1");
    });

    /// <summary>Key/value pairs, one per row (brokerStatus, a message).</summary>
    protected static Table KeyValues(IEnumerable<(string Key, string? Value)> pairs)
    {
        var t = NewTable("KEY", "VALUE");
        foreach (var (k, v) in pairs) AddRow(t, k, v);
        return t;
    }

    protected static Table Messages(IReadOnlyList<MessageView> messages)
    {
        var t = NewTable("MSG ID", "BROKER", "QUEUE", "OFFSET", "TAGS", "KEYS", "STORE TIME", "BODY");
        foreach (var m in messages)
            AddRow(t, m.MsgId, m.BrokerName, m.QueueId, m.QueueOffset, m.Tags, m.Keys, Time(m.StoreTimestamp),
                m.Body.Length > 60 ? m.Body[..57] + "..." : m.Body);
        return t;
    }

    protected static IEnumerable<(string, string?)> MessageFields(MessageView m)
    {
        yield return ("Message ID", m.MsgId);
        yield return ("Topic", m.Topic);
        yield return ("Broker", m.BrokerName);
        yield return ("Queue ID", m.QueueId.ToString());
        yield return ("Queue Offset", m.QueueOffset.ToString());
        yield return ("Tags", m.Tags);
        yield return ("Keys", m.Keys);
        yield return ("Born Time", Time(m.BornTimestamp));
        yield return ("Store Time", Time(m.StoreTimestamp));
        foreach (var (k, v) in m.Properties.OrderBy(p => p.Key, StringComparer.Ordinal)) yield return ($"Property {k}", v);
        yield return ($"Body ({m.BodyLength} bytes, {m.BodyEncoding})", m.Body);
    }
}
