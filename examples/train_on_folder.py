"""Train on a folder of sketch/photo pairs from Python (what `s2p train DATA` does, step by step).

Usage: python examples/train_on_folder.py DATA_FOLDER [EPOCHS]
DATA_FOLDER holds sketches/ and photos/ (paired by name or by a pairs.csv manifest) or side-by-side images.
"""

import sys

import keras_s2p as s2p

data, epochs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200

print(f"{len(s2p.data.find_pairs(data))} pairs")  # the exact pairs it will train on, checked up front
train_ds, val_ds = s2p.data.paired_dataset(data, image_size=128, batch_size=16, validation_split=0.1, seed=0)

run = s2p.runs.RunFolder.create("logs", "my-folder-run")
run.ensure_writable()
val_sketches, val_photos = next(iter(val_ds))
gan = s2p.SketchToPhotoGAN(image_size=128, skip_connections=True, perceptual_weight=0)  # 0: no VGG download
gan.compile()
gan.fit(train_ds, epochs=epochs, validation_data=val_ds,
        callbacks=s2p.callbacks.default_callbacks(run, (val_sketches[:4].numpy(), val_photos[:4].numpy())))
gan.generator.save(run.generator_path)
print("generator:", run.generator_path)
