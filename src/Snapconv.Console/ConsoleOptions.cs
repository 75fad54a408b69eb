namespace Snapconv.Console;

/// <summary>Options of the console served by <c>snapconv serve</c>.</summary>
public sealed record ConsoleOptions
{
    /// <summary>Name of the cookie the login form sets (HttpOnly, SameSite=Strict).</summary>
    public const string CookieName = "snapconv_console";
    /// <summary>Environment variable holding the console token.</summary>
    public const string TokenEnvironmentVariable = "SNAPCONV_CONSOLE_TOKEN";
    /// <summary>Days of the "acknowledged" figure of the jobs list.</summary>
    public const int AcknowledgedDays = 7;
    /// <summary>Days of the per-day chart.</summary>
    public const int ChartDays = 30;
    /// <summary>Default page of <c>GET /api/jobs/{name}/runs</c>.</summary>
    public const int DefaultRunsLimit = 50;

    /// <summary>
    /// The console token, or null: no login (serve allows that only on loopback addresses). When set, every page and
    /// API call needs it (the login cookie or <c>Authorization: Bearer</c>), except <c>/healthz</c>, <c>/metrics</c>,
    /// <c>/login</c> and <c>/assets/</c>.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>Folder of the keys that protect the login cookie and the antiforgery tokens (kept across restarts), or
    /// null: keys in memory (a restart logs everyone out). serve uses <c>DIR/console-keys</c> of <c>--state-dir</c>.</summary>
    public string? KeysDir { get; init; }
}
