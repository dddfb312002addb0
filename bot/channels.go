package main

import "context"

// channelSetups start each configured channel (and the admin pages). A setup returns nil without
// doing anything when its channel is not configured; otherwise it registers
// its webhook routes on a.mux, readiness checks with a.ready, and long-running
// work with a.background. Each channel keeps its wiring in its own file.
var channelSetups = []struct {
	name  string
	setup func(context.Context, *app) error
}{
	{"telegram", setupTelegram},
	{"zalo", setupZalo},
	{"zalobot", setupZaloBot},
	{"admin", setupAdmin},
	{"reminders", setupReminders},
	{"handoff", setupHandoff},
}
