;; Byte images -> normalised float32 batch with random crop (zero padding) and horizontal flip.
;; out[y][x] = src[y + dy][(flip ? W - 1 - x : x) + dx] * mul[c] + add[c], or add[c] (a zero pixel)
;; where the source pixel is outside the image. Sixteen (then four) pixels per step with WASM SIMD.
;; Rebuild the embedded bytes with `node scripts/build-wasm.mjs` after editing.
(module
  (memory (export "memory") 1)

  ;; n samples of C x H x W bytes at $src (with >= 64 readable bytes before and after: rows are read
  ;; whole and the pad columns overwritten), per-sample (dy, dx, flip) i32 triples at $params,
  ;; per-channel f32 mul then f32 add at $coef; writes n x C x H x W float32 at $dst.
  (func (export "augment")
    (param $n i32) (param $C i32) (param $H i32) (param $W i32)
    (param $params i32) (param $coef i32) (param $src i32) (param $dst i32)
    (local $i i32) (local $c i32) (local $y i32) (local $x i32)
    (local $dy i32) (local $dx i32) (local $flip i32)
    (local $sy i32) (local $rowIn i32) (local $rowOut i32) (local $s i32)
    (local $lo i32) (local $hi i32) (local $plane i32) (local $w4 i32)
    (local $mul f32) (local $add f32) (local $vmul v128) (local $vadd v128) (local $v v128)
    (local $lo16 v128) (local $hi16 v128) (local $w16 i32) (local $o i32)
    (local.set $w4 (i32.and (local.get $W) (i32.const -4)))
    (local.set $w16 (i32.and (local.get $W) (i32.const -16)))
    (local.set $i (i32.const 0))
    (block $doneSamples
      (loop $samples
        (br_if $doneSamples (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $dy (i32.load (i32.add (local.get $params) (i32.mul (local.get $i) (i32.const 12)))))
        (local.set $dx (i32.load offset=4 (i32.add (local.get $params) (i32.mul (local.get $i) (i32.const 12)))))
        (local.set $flip (i32.load offset=8 (i32.add (local.get $params) (i32.mul (local.get $i) (i32.const 12)))))
        ;; output columns [lo, hi) read inside the source row
        (if (local.get $flip)
          (then
            (local.set $lo (select (local.get $dx) (i32.const 0) (i32.gt_s (local.get $dx) (i32.const 0))))
            (local.set $hi (select (i32.add (local.get $W) (local.get $dx)) (local.get $W) (i32.lt_s (local.get $dx) (i32.const 0)))))
          (else
            (local.set $lo (select (i32.sub (i32.const 0) (local.get $dx)) (i32.const 0) (i32.lt_s (local.get $dx) (i32.const 0))))
            (local.set $hi (select (i32.sub (local.get $W) (local.get $dx)) (local.get $W) (i32.gt_s (local.get $dx) (i32.const 0))))))
        (local.set $c (i32.const 0))
        (block $doneChannels
          (loop $channels
            (br_if $doneChannels (i32.ge_u (local.get $c) (local.get $C)))
            (local.set $mul (f32.load (i32.add (local.get $coef) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $add (f32.load offset=4 (i32.add (local.get $coef) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $vmul (f32x4.splat (local.get $mul)))
            (local.set $vadd (f32x4.splat (local.get $add)))
            ;; index of this plane's first pixel
            (local.set $plane (i32.mul (i32.add (i32.mul (local.get $i) (local.get $C)) (local.get $c)) (i32.mul (local.get $H) (local.get $W))))
            (local.set $y (i32.const 0))
            (block $doneRows
              (loop $rows
                (br_if $doneRows (i32.ge_u (local.get $y) (local.get $H)))
                (local.set $sy (i32.add (local.get $y) (local.get $dy)))
                (local.set $rowOut (i32.add (local.get $dst)
                  (i32.shl (i32.add (local.get $plane) (i32.mul (local.get $y) (local.get $W))) (i32.const 2))))
                (if (i32.or (i32.lt_s (local.get $sy) (i32.const 0)) (i32.ge_s (local.get $sy) (local.get $H)))
                  (then
                    ;; the whole row is padding
                    (local.set $x (i32.const 0))
                    (block $donePad
                      (loop $pad
                        (br_if $donePad (i32.ge_u (local.get $x) (local.get $W)))
                        (f32.store (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2))) (local.get $add))
                        (local.set $x (i32.add (local.get $x) (i32.const 1)))
                        (br $pad))))
                  (else
                    (local.set $rowIn (i32.add (local.get $src) (i32.add (local.get $plane) (i32.mul (local.get $sy) (local.get $W)))))
                    (local.set $x (i32.const 0))
                    (if (local.get $flip)
                      (then
                        ;; out[x] = src[s - x]: load the 4 bytes ending at s - x, reverse them
                        (local.set $s (i32.add (local.get $rowIn) (i32.add (i32.sub (local.get $W) (i32.const 1)) (local.get $dx))))
                        (block $doneF16
                          (loop $F16
                            (br_if $doneF16 (i32.ge_u (local.get $x) (local.get $w16)))
                            (local.set $v (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0
                              (v128.load (i32.sub (i32.sub (local.get $s) (local.get $x)) (i32.const 15)))
                              (v128.const i32x4 0 0 0 0)))
                            (local.set $lo16 (i16x8.extend_low_i8x16_u (local.get $v)))
                            (local.set $hi16 (i16x8.extend_high_i8x16_u (local.get $v)))
                            (local.set $o (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2))))
                            (v128.store (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_low_i16x8_u (local.get $lo16))) (local.get $vmul)) (local.get $vadd)))
                            (v128.store offset=16 (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_high_i16x8_u (local.get $lo16))) (local.get $vmul)) (local.get $vadd)))
                            (v128.store offset=32 (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_low_i16x8_u (local.get $hi16))) (local.get $vmul)) (local.get $vadd)))
                            (v128.store offset=48 (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_high_i16x8_u (local.get $hi16))) (local.get $vmul)) (local.get $vadd)))
                            (local.set $x (i32.add (local.get $x) (i32.const 16)))
                            (br $F16)))
                        (block $doneF
                          (loop $f
                            (br_if $doneF (i32.ge_u (local.get $x) (local.get $w4)))
                            (local.set $v (i8x16.shuffle 3 2 1 0 4 5 6 7 8 9 10 11 12 13 14 15
                              (v128.load32_zero (i32.sub (i32.sub (local.get $s) (local.get $x)) (i32.const 3)))
                              (v128.const i32x4 0 0 0 0)))
                            (v128.store (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2)))
                              (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                                (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (local.get $v))))
                                (local.get $vmul)) (local.get $vadd)))
                            (local.set $x (i32.add (local.get $x) (i32.const 4)))
                            (br $f)))
                        (block $doneFs
                          (loop $fs
                            (br_if $doneFs (i32.ge_u (local.get $x) (local.get $W)))
                            (f32.store (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2)))
                              (f32.add (f32.mul (f32.convert_i32_u (i32.load8_u (i32.sub (local.get $s) (local.get $x)))) (local.get $mul)) (local.get $add)))
                            (local.set $x (i32.add (local.get $x) (i32.const 1)))
                            (br $fs))))
                      (else
                        (local.set $s (i32.add (local.get $rowIn) (local.get $dx)))
                        (block $doneN16
                          (loop $N16
                            (br_if $doneN16 (i32.ge_u (local.get $x) (local.get $w16)))
                            (local.set $v (v128.load (i32.add (local.get $s) (local.get $x))))
                            (local.set $lo16 (i16x8.extend_low_i8x16_u (local.get $v)))
                            (local.set $hi16 (i16x8.extend_high_i8x16_u (local.get $v)))
                            (local.set $o (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2))))
                            (v128.store (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_low_i16x8_u (local.get $lo16))) (local.get $vmul)) (local.get $vadd)))
                            (v128.store offset=16 (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_high_i16x8_u (local.get $lo16))) (local.get $vmul)) (local.get $vadd)))
                            (v128.store offset=32 (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_low_i16x8_u (local.get $hi16))) (local.get $vmul)) (local.get $vadd)))
                            (v128.store offset=48 (local.get $o) (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                              (i32x4.extend_high_i16x8_u (local.get $hi16))) (local.get $vmul)) (local.get $vadd)))
                            (local.set $x (i32.add (local.get $x) (i32.const 16)))
                            (br $N16)))
                        (block $doneN
                          (loop $nf
                            (br_if $doneN (i32.ge_u (local.get $x) (local.get $w4)))
                            (v128.store (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2)))
                              (f32x4.add (f32x4.mul (f32x4.convert_i32x4_u
                                (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u
                                  (v128.load32_zero (i32.add (local.get $s) (local.get $x))))))
                                (local.get $vmul)) (local.get $vadd)))
                            (local.set $x (i32.add (local.get $x) (i32.const 4)))
                            (br $nf)))
                        (block $doneNs
                          (loop $ns
                            (br_if $doneNs (i32.ge_u (local.get $x) (local.get $W)))
                            (f32.store (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2)))
                              (f32.add (f32.mul (f32.convert_i32_u (i32.load8_u (i32.add (local.get $s) (local.get $x)))) (local.get $mul)) (local.get $add)))
                            (local.set $x (i32.add (local.get $x) (i32.const 1)))
                            (br $ns)))))
                    ;; columns that read outside the source row become padding
                    (local.set $x (i32.const 0))
                    (block $doneL
                      (loop $l
                        (br_if $doneL (i32.ge_s (local.get $x) (local.get $lo)))
                        (f32.store (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2))) (local.get $add))
                        (local.set $x (i32.add (local.get $x) (i32.const 1)))
                        (br $l)))
                    (local.set $x (local.get $hi))
                    (block $doneR
                      (loop $r
                        (br_if $doneR (i32.ge_s (local.get $x) (local.get $W)))
                        (f32.store (i32.add (local.get $rowOut) (i32.shl (local.get $x) (i32.const 2))) (local.get $add))
                        (local.set $x (i32.add (local.get $x) (i32.const 1)))
                        (br $r)))))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br $rows)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $channels)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $samples))))
)
