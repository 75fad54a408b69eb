namespace Snapconv.Core.Capi;

/// <summary>
/// A thread's last two answers of a name lookup, by string instance. The readers hand out one instance per distinct short
/// cell (<see cref="Formats.ShortStringCache"/>), so a row's currency and event name are mostly the instances of the rows
/// above: a hit costs two reference compares where the case-insensitive table hashes the text. One per thread and lookup
/// (<see cref="ThreadStaticAttribute"/>); only answers that need no allocation are kept.
/// </summary>
internal sealed class InstanceMemo
{
    private string? _key0, _key1;
    private string? _value0, _value1;

    /// <summary>The answer kept for this very instance; false when there is none.</summary>
    public bool TryGet(string key, out string? value)
    {
        if (ReferenceEquals(key, _key0)) { value = _value0; return true; }
        if (ReferenceEquals(key, _key1)) { value = _value1; return true; }
        value = null;
        return false;
    }

    /// <summary>Keeps an answer, the older of the two kept giving way.</summary>
    public void Put(string key, string? value)
    {
        _key1 = _key0;
        _value1 = _value0;
        _key0 = key;
        _value0 = value;
    }
}
