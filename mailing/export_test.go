package mailing

// DispatcherMessage is the message a Dispatcher renders for a delivery,
// for the benchmark that sends the same messages without the outbox.
var DispatcherMessage = (*Dispatcher).message
