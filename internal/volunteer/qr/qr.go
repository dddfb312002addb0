// Package qr draws the printable QR code of a volunteer's link.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"sync"

	"github.com/go-fonts/liberation/liberationsansbold"
	"github.com/go-fonts/liberation/liberationsansregular"
	qrcode "github.com/yeqown/go-qrcode/v2"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// QR layout, in pixels. The page is about 7 cm wide at 300 dpi: big
// enough to scan from a poster across a desk.
const (
	qrWidth     = 840
	quietZone   = 4 // modules of white around the code, as the standard asks
	titleSize   = 44
	captionSize = 30
	margin      = 36
)

// PNG draws a printable PNG: title (the bot's name) above the QR code of
// link, and one caption line below. Vietnamese text is drawn with Liberation
// Sans, which has every Vietnamese letter; a line too long for the page is
// drawn smaller rather than cut.
func PNG(link, title, caption string) ([]byte, error) {
	if link == "" {
		return nil, errors.New("qr: no link to encode")
	}
	code, err := qrcode.NewWith(link, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionQuart))
	if err != nil {
		return nil, fmt.Errorf("qr: encode %q: %w", link, err)
	}
	var m matrix
	if err := code.Save(&m); err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	n := len(m.bits)
	scale := qrWidth / (n + 2*quietZone)
	side := scale * (n + 2*quietZone)

	faces, err := loadFaces()
	if err != nil {
		return nil, err
	}
	width := side
	titleH, captionH := 0, 0
	if title != "" {
		titleH = titleSize + margin
	}
	if caption != "" {
		captionH = captionSize + margin
	}
	img := image.NewGray(image.Rect(0, 0, width, titleH+side+captionH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y, row := range m.bits {
		for x, dark := range row {
			if !dark {
				continue
			}
			px := (x + quietZone) * scale
			py := titleH + (y+quietZone)*scale
			draw.Draw(img, image.Rect(px, py, px+scale, py+scale), image.Black, image.Point{}, draw.Src)
		}
	}
	if title != "" {
		drawCentered(img, faces.bold, titleSize, title, width, margin+titleSize*3/4)
	}
	if caption != "" {
		drawCentered(img, faces.regular, captionSize, caption, width, titleH+side+captionSize*3/4)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: png: %w", err)
	}
	return buf.Bytes(), nil
}

// matrix receives the QR modules from the library (a qrcode.Writer).
type matrix struct{ bits [][]bool }

func (m *matrix) Write(mat qrcode.Matrix) error { m.bits = mat.Bitmap(); return nil }
func (m *matrix) Close() error                  { return nil }

type faces struct{ bold, regular *opentype.Font }

var loadFaces = sync.OnceValues(func() (faces, error) {
	b, err := opentype.Parse(liberationsansbold.TTF)
	if err != nil {
		return faces{}, fmt.Errorf("qr: font: %w", err)
	}
	r, err := opentype.Parse(liberationsansregular.TTF)
	if err != nil {
		return faces{}, fmt.Errorf("qr: font: %w", err)
	}
	return faces{bold: b, regular: r}, nil
})

// drawCentered draws one line of text centred on width with its baseline at
// y, shrinking the size until it fits inside the margins.
func drawCentered(img draw.Image, f *opentype.Font, size float64, text string, width, y int) {
	text = norm.NFC.String(text)
	for ; size >= 10; size -= 2 {
		face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return
		}
		d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
		w := d.MeasureString(text).Ceil()
		if w > width-2*margin && size > 10 {
			face.Close()
			continue
		}
		d.Dot = fixed.P((width-w)/2, y)
		d.DrawString(text)
		face.Close()
		return
	}
}
