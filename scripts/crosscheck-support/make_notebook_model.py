"""Trains the PyTorch model that notebooks/06-against-the-peers.pgs imports, and exports it to
ONNX (PyTorch's legacy exporter, one file): a small CNN on Fashion-MNIST (the first 4,000
training images, pixels in [-1, 1] as pgs's fashion_mnist() reads them), trained for two epochs
with Adam (lr 0.001, batch 64) on one thread from seed 0, so the file is the same on every run
of the same torch build.

Usage: python make_notebook_model.py OUT.onnx [DATA_FOLDER]
"""
import gzip
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn


EPOCHS = 2


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


class FashionCNN(nn.Module):
    """Three 3×3 convolutions with ReLU (max pooling after the first two) and a linear read-out
    of the last stage; the module names become the layer names pgs shows."""

    def __init__(self):
        super().__init__()
        self.conv1, self.relu1, self.pool1 = nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.conv2, self.relu2, self.pool2 = nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.conv3, self.relu3 = nn.Conv2d(32, 32, 3, padding=1), nn.ReLU()
        self.fc = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        x = self.relu3(self.conv3(x))
        return self.fc(torch.flatten(x, 1))


def main():
    out = sys.argv[1]
    folder = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    torch.manual_seed(0)
    torch.set_num_threads(1)
    images = read_idx(f"{folder}/train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)[:4000]
    labels = read_idx(f"{folder}/train-labels-idx1-ubyte.gz", 8)[:4000]
    x = torch.from_numpy(images.astype(np.float32) / 127.5 - 1)
    y = torch.from_numpy(labels.astype(np.int64))
    model = FashionCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    for _ in range(EPOCHS):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
    model.eval()
    test_images = read_idx(f"{folder}/t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28)[:2000]
    test_labels = read_idx(f"{folder}/t10k-labels-idx1-ubyte.gz", 8)[:2000]
    with torch.no_grad():
        predicted = model(torch.from_numpy(test_images.astype(np.float32) / 127.5 - 1)).argmax(1).numpy()
    print(f"test accuracy on the first 2000 test images: {(predicted == test_labels).mean():.4f}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), out, dynamo=False, input_names=["image"],
                          output_names=["logits"])


if __name__ == "__main__":
    main()
