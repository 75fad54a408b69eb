using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Batching;

/// <summary>An accepted event ready to send: serialized once (a slice of a shared chunk), with its ledger key and origin.</summary>
internal sealed record OutgoingEvent(EventKey Key, ReadOnlyMemory<byte> Json, RowRef Row, InputFile? File, string?[]? Fields);

/// <summary>A batch as recorded in the ledger.</summary>
internal sealed record OutgoingBatch(long LedgerId, OutgoingEvent[] Events);
