using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Presets;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Presets;

/// <summary>Runs a preset over sample files the way the CLI does (recognition or name, join files, options) with a fixed clock.</summary>
internal static class PresetRuns
{
    public static readonly DateTimeOffset Now = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

    public static string Sample(string relative) =>
        Path.Combine(Path.GetDirectoryName(Formats.FormatFixtures.Nasty("x"))!, "..", "..", "presets", relative);

    public static MappingSpec Spec(string preset, string[]? contacts = null, string? currency = null, string? locale = null, string? defaultCountry = null)
    {
        Assert.True(PresetCatalog.TryGet(preset, out var p));
        var spec = p.Spec;
        if (locale is not null) spec = spec with { Locale = locale };
        if (currency is not null)
            spec = spec with { Constants = new Dictionary<TargetField, string>(spec.Constants) { [TargetField.Currency] = currency } };
        if (contacts is { Length: > 0 }) spec = spec with { JoinData = JoinSet.Load(spec, contacts.Select(Sample).ToList(), spec.ReaderOptions, defaultCountry) };
        return spec;
    }

    public static async Task<(RunReport Report, List<JsonElement> Events, string Rejects)> RunAsync(
        MappingSpec spec, string[] inputs, string? defaultCountry = null)
    {
        using var tmp = new Formats.TempDir();
        var clock = new FakeTimeProvider(Now);
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = defaultCountry };
        var files = Core.Formats.InputResolver.Resolve(inputs.Select(Sample));
        var outputs = new ConversionOutputs { EventsPath = Path.Combine(tmp.Path, "ev.ndjson"), RejectsPath = Path.Combine(tmp.Path, "rej.csv") };
        var result = await ConversionRun.ExecuteAsync(files, options, outputs, clock, CancellationToken.None);
        var events = File.ReadAllLines(Path.Combine(tmp.Path, "ev.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (result.Report, events, File.ReadAllText(Path.Combine(tmp.Path, "rej.csv")));
    }

    /// <summary>The report without run-dependent keys (time, duration, paths), as stable text.</summary>
    public static string Projection(RunReport r)
    {
        var lines = new List<string>
        {
            $"preset: {r.Preset}", $"rows: {r.Rows}", $"accepted: {r.Accepted}", $"rejected: {r.Rejected}",
            $"duplicates: {r.Duplicates}", $"filtered: {r.Filtered}",
        };
        if (r.Folded > 0) lines.Add($"folded: {r.Folded}");  // group_by presets only, so the other goldens read as before
        lines.AddRange(r.FilteredByRule.Select(kv => $"filtered_by_rule.{kv.Key}: {kv.Value}"));
        lines.AddRange(r.RejectedByReason.Select(kv => $"rejected_by_reason.{kv.Key}: {kv.Value}"));
        lines.AddRange(r.WarningsByReason.Select(kv => $"warnings_by_reason.{kv.Key}: {kv.Value}"));
        lines.AddRange(r.InputFiles.Select(f => $"file {Path.GetFileName(f.File)}: rows {f.Rows}, accepted {f.Accepted}, rejected {f.Rejected}, filtered {f.Filtered}"
            + (f.Folded > 0 ? $", folded {f.Folded}" : "")));
        return string.Join("\n", lines) + "\n";
    }
}
