using Snapconv.Core.Dedup;
using Snapconv.Core.Mapping;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>
/// The single consumer of processed blocks: deduplicates in file order and keeps the run's counts.
/// Shared by validate, preprocess and upload so every command counts the same way.
/// </summary>
public sealed class RunAccumulator(TimeProvider clock, SpillingKeySetOptions? dedup = null) : IDisposable
{
    private readonly InRunDeduper _dedup = new(dedup);
    private readonly long _startTicks = clock.GetTimestamp();
    private FileReport? _current;

    public RunReport Report { get; } = new() { StartedAt = clock.GetUtcNow() };

    /// <summary>Classifies one row and counts it.</summary>
    public RowDisposition Add(InputFile file, BuiltRow row)
    {
        var f = FileFor(file);
        Report.Rows++;
        f.Rows++;
        if (row.HasScientificPhone) Report.PhonesInScientificNotation++;   // a row counts once
        if (row.IsFolded)
        {
            // A line item folded into its order's event (group_by): part of that event, not one of its own.
            Report.Folded++;
            f.Folded++;
            return RowDisposition.Folded;
        }
        if (row.FilteredBy is { } rule)
        {
            // Not a conversion (a deal not won): counted by rule, never as rejected.
            Report.Filtered++;
            f.Filtered++;
            Increment(Report.FilteredByRule, rule);
            return RowDisposition.Filtered;
        }
        if (row.Rejection is { } issue)
        {
            Report.Rejected++;
            f.Rejected++;
            Increment(Report.RejectedByReason, issue.Reason.Name);
            if (issue.Reason.Name == Capi.Reason.MissingEventName.Name) f.MissingEventName++;
            return RowDisposition.Rejected;
        }
        var e = row.Event!;
        if (!_dedup.TryAdd(row.DedupKeys))
        {
            Report.Duplicates++;
            f.Duplicates++;
            return RowDisposition.Duplicate;
        }
        Report.Accepted++;
        f.Accepted++;
        // warnings_by_reason counts accepted events: an event with two bad e-mails counts once.
        for (var i = 0; i < row.WarningCount; i++)
        {
            var name = row.WarningReason(i).Name;
            var seen = false;
            for (var j = 0; j < i && !seen; j++) seen = row.WarningReason(j).Name == name;
            if (!seen) IncrementWarning(name);
        }
        Report.CountCoverage(row.CoverageOf(e));
        return RowDisposition.Accepted;
    }

    /// <summary>
    /// Hints the CPU to fetch the dedup memory a block's rows will touch, so the misses of a large key set
    /// overlap instead of stalling <see cref="Add"/> one row at a time.
    /// </summary>
    public void Prefetch(BuiltRow[] rows)
    {
        foreach (var row in rows)
            if (row.Event is not null) _dedup.Prefetch(row.DedupKeys);
    }

    public void Dispose() => _dedup.Dispose();

    /// <summary>Marks a file as seen even when it has no rows.</summary>
    public void Touch(InputFile file) => FileFor(file);

    public RunReport Finish()
    {
        Report.DurationSeconds = clock.GetElapsedTime(_startTicks).TotalSeconds;
        return Report;
    }

    private FileReport FileFor(InputFile file) =>
        // Once a row: the current file's entry. The lookup is a method of its own, so its lambda's closure is made only on a
        // change of file, not once a row (the compiler makes a captured parameter's closure on the method's entry).
        _current?.File == file.Name ? _current : FileForNew(file);

    private FileReport FileForNew(InputFile file)
    {
        _current = Report.InputFiles.Find(x => x.File == file.Name);
        if (_current is null)
        {
            _current = new FileReport(file.Name)
            {
                MappedColumns = file.Mapping.Bindings.Select(b => $"{b.Header} → {TargetFields.Name(b.Field)}").ToList(),
                UnmappedColumns = file.Mapping.Unmapped,
                Encoding = file.Encoding?.Name,
                EncodingDetected = file.Encoding is { Forced: false },
            };
            Report.InputFiles.Add(_current);
            Report.Preset ??= file.Mapping.PresetName;
        }
        return _current;
    }

    private static void Increment(SortedDictionary<string, long> d, string key) =>
        d[key] = d.TryGetValue(key, out var n) ? n + 1 : 1;

    // The last warning counted and its count: most accepted rows carry the same one, so the serial consumer sets the
    // sorted entry without first searching it (the report is read live, so the entry is always current; only the
    // accumulator writes these counts during a run).
    private string? _lastWarning;
    private long _lastWarningCount;

    private void IncrementWarning(string name)
    {
        if (!ReferenceEquals(name, _lastWarning))
        {
            _lastWarning = name;
            _lastWarningCount = Report.WarningsByReason.TryGetValue(name, out var n) ? n : 0;
        }
        Report.WarningsByReason[name] = ++_lastWarningCount;
    }
}
