using Snapconv.Core.Capi;

namespace Snapconv.Sandbox.Store;

/// <summary>One test event (validate, or <c>test_event_code</c>) as the logs endpoint shows it (spec §6).</summary>
internal sealed record TestLogEntry(
    long ReceivedAtMs,
    string? EventName,
    string? RawEventName,
    string EventTime,
    string? ActionSource,
    bool Valid,
    string? Integration,
    IReadOnlyList<Reason> Errors,
    IReadOnlyList<Reason> Warnings,
    ReadOnlyMemory<byte> CustomData);
