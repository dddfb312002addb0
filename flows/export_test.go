package flows

// SetCrashHook makes the engine fail at the named point ("before_save",
// "before_send", "before_ack") when f returns an error, to test recovery.
func SetCrashHook(e *Engine, f func(point string) error) { e.crash = f }
