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
	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
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
	m, err := readableMatrix(link)
	if err != nil {
		return nil, err
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

// encodings are tried in order until one reads back. A few links (about
// one in 200 volunteer codes) come out of the encoder with a mask that
// ZXing, the reader inside many phone scanners, cannot find or decode; a
// higher error-correction level or a bigger version gives another mask.
var encodings = [][]qrcode.EncodeOption{
	{qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionQuart)},
	{qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionHighest)},
	{qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium)},
}

// readableMatrix encodes link and reads the bare code back with ZXing,
// so that no volunteer prints a poster that phones cannot scan.
func readableMatrix(link string) (matrix, error) {
	var last error
	for _, opts := range encodings {
		code, err := qrcode.NewWith(link, opts...)
		if err != nil {
			return matrix{}, fmt.Errorf("qr: encode %q: %w", link, err)
		}
		var m matrix
		if err := code.Save(&m); err != nil {
			return matrix{}, fmt.Errorf("qr: %w", err)
		}
		got, err := readBack(m, 4)
		if err == nil && got == link {
			return m, nil
		}
		last = fmt.Errorf("reads back as %q: %v", got, err)
	}
	return matrix{}, fmt.Errorf("qr: no encoding of %q reads back: %w", link, last)
}

// readBack draws m at scale pixels a module, with the quiet zone, and
// decodes it.
func readBack(m matrix, scale int) (string, error) {
	n := len(m.bits) + 2*quietZone
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for y, row := range m.bits {
		for x, dark := range row {
			if dark {
				px, py := (x+quietZone)*scale, (y+quietZone)*scale
				draw.Draw(img, image.Rect(px, py, px+scale, py+scale), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
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
