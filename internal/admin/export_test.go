package admin

import "context"

// PreviewKeys counts the keys in the editor's preview Redis (tests).
func PreviewKeys(e *Editor) int {
	n, _ := e.scratch.Client().DBSize(context.Background()).Result()
	return int(n)
}
