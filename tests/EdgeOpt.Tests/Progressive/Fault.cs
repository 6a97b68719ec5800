namespace EdgeOpt.Tests.Progressive;

/// <summary>What the test server does to a file instead of serving it faithfully.</summary>
public enum Fault
{
    /// <summary>200 with a few bytes flipped.</summary>
    Corrupt,
    /// <summary>200 with only the first half of the bytes.</summary>
    Truncate,
    /// <summary>200 with an HTML page (Content-Type text/html), like an SPA fallback route.</summary>
    Html,
    /// <summary>200 with an HTML page declared as application/octet-stream (only the first bytes give it away).</summary>
    HtmlAsBinary,
    /// <summary>500 Internal Server Error.</summary>
    ServerError,
    /// <summary>503 Service Unavailable with <c>Retry-After</c> in seconds (<see cref="LoaderTestServer.RetryAfterSeconds"/>).</summary>
    Unavailable,
    /// <summary>429 Too Many Requests with <c>Retry-After</c> as an HTTP date that far ahead.</summary>
    TooManyRequests,
    /// <summary>Promises the whole length, sends half, then drops the connection.</summary>
    CloseMidBody,
    /// <summary>
    /// Sends the headers promising the whole length, then drops the connection before any body byte. (HttpListener
    /// cannot drop a connection without sending headers; a connection refused outright has its own tests.)
    /// </summary>
    CloseBeforeBody,
    /// <summary>Sends nothing at all (no headers) for <see cref="LoaderTestServer.StallFor"/>, then drops the connection.</summary>
    StallBeforeHeaders,
    /// <summary>Sends half the body, then nothing for <see cref="LoaderTestServer.StallFor"/>, then drops the connection.</summary>
    StallMidBody,
    /// <summary>206 Partial Content with a range the loader never asked for (the file from byte 100 on).</summary>
    WrongRange,
    /// <summary>200 with different wrong bytes every time it is served (a file changing between retries).</summary>
    Changing,
}
