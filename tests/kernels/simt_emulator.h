// Runs the GPU kernel bodies (kernels/gpu/kernel_bodies.h) on the CPU for tests on machines
// without a GPU. Each thread of a block is a fiber (ucontext); warp collectives (ballot, any,
// shuffles, __syncwarp) and __syncthreads are rendezvous points. Fibers are switched only at
// those points, so the emulation is deterministic and sequentially consistent: it checks the
// kernels' logic and indexing, not races the GPU's memory model could expose.
//
// Checked: every lane of a warp reaching the same kind of collective at each rendezvous (the
// GPU needs the full mask), deadlocks (a lane skipping a barrier its peers wait at), and 16-byte
// alignment of 16-byte loads. Violations throw std::runtime_error from run().
//
// A fiber's first entry goes through swapcontext; later switches use _setjmp/_longjmp, which
// unlike swapcontext make no system call (the test target builds with -U_FORTIFY_SOURCE, whose
// longjmp check rejects jumps between stacks).
#pragma once

#include <setjmp.h>
#include <ucontext.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/gpu/select_engine.h"

namespace feedrank::kernels::gpu::emu {

class Block;

// The Ops of select_engine.h for one emulated thread.
struct EmuOps {
  Block* block;
  int tid;

  int lane() const { return tid & 31; }
  int warp() const { return tid >> 5; }
  int warps() const;
  unsigned ballot(bool p) const;
  bool any(bool p) const { return ballot(p) != 0; }
  float shfl_xor(float v, int mask) const;
  unsigned shfl_u32(unsigned v, int src) const;
  void syncwarp() const;
  void syncthreads() const;

  Chunk16 load16(const void* p) const;
  std::uint64_t load_u64(const std::uint64_t* p) const { return *p; }
  std::uint32_t load_u32(const std::uint32_t* p) const { return *p; }
  int load_i32(const int* p) const { return *p; }
  float load_f32(const float* p) const { return *p; }
  unsigned load_relaxed(const unsigned* p) const { return *p; }
  int atomic_add(int* p, int v) const {
    const int old = *p;
    *p += v;
    return old;
  }
  void atomic_max(unsigned* p, unsigned v) const {
    if (v > *p) *p = v;
  }
  void atomic_or(int* p, int v) const { *p |= v; }
};

class Block {
 public:
  Block(int warps, std::size_t smem_bytes)
      : warps_(warps), smem_((smem_bytes + 3) / 4 + 4), fibers_(warps * 32) {
    // Uninitialised: only the pages a fiber touches get mapped.
    for (Fiber& f : fibers_) f.stack.reset(new char[kStackBytes]);
    barriers_.resize(warps + 1);
    for (int w = 0; w < warps; ++w) barriers_[w].size = 32;
    barriers_[warps].size = warps * 32;
    scratch_.resize(warps);
  }

  int warps() const { return warps_; }

  // Shared memory, filled with a 0xA5 pattern before every run so that reads of words nobody
  // wrote give nonsense (rows far out of range) rather than zeros.
  std::uint32_t* smem() { return smem_.data(); }

  // Runs body(ops, smem) on every thread of the block until all return.
  void run(const std::function<void(const EmuOps&, std::uint32_t*)>& body) {
    std::memset(smem_.data(), 0xA5, smem_.size() * sizeof(std::uint32_t));
    body_ = &body;
    error_.clear();
    for (Barrier& b : barriers_) b = Barrier{b.size, 0, 0, Kind::kNone};
    for (int t = 0; t < static_cast<int>(fibers_.size()); ++t) {
      Fiber& f = fibers_[t];
      f.done = false;
      f.started = false;
      f.waiting = -1;
      getcontext(&f.context);
      f.context.uc_stack.ss_sp = f.stack.get();
      f.context.uc_stack.ss_size = kStackBytes;
      f.context.uc_link = &scheduler_;
      makecontext(&f.context, reinterpret_cast<void (*)()>(&Block::trampoline), 0);
    }
    while (true) {
      bool all_done = true, progress = false;
      for (int t = 0; t < static_cast<int>(fibers_.size()); ++t) {
        Fiber& f = fibers_[t];
        if (f.done) continue;
        all_done = false;
        if (f.waiting >= 0 && barriers_[f.waiting].generation == f.wait_generation) continue;
        f.waiting = -1;
        current_ = this;
        current_tid_ = t;
        if (_setjmp(scheduler_jump_) == 0) {
          if (f.started) {
            _longjmp(f.jump, 1);
          } else {
            f.started = true;
            swapcontext(&scheduler_, &f.context);
          }
        }
        progress = true;
        if (!error_.empty()) throw std::runtime_error(error_);
      }
      if (all_done) break;
      if (!progress) throw std::runtime_error("deadlock: " + describe_waits());
    }
  }

  // Collectives, called from fibers.
  enum class Kind { kNone, kBallot, kShuffle, kSyncWarp, kSyncThreads };
  unsigned ballot(int tid, bool p) {
    Scratch& s = scratch_[tid >> 5];
    s.words[tid & 31] = p ? 1u : 0u;
    wait(tid >> 5, Kind::kBallot, tid);
    unsigned mask = 0;
    for (int l = 0; l < 32; ++l) mask |= s.words[l] << l;
    wait(tid >> 5, Kind::kBallot, tid);
    return mask;
  }
  std::uint32_t exchange(int tid, std::uint32_t v, int src_lane) {
    Scratch& s = scratch_[tid >> 5];
    s.words[tid & 31] = v;
    wait(tid >> 5, Kind::kShuffle, tid);
    const std::uint32_t r = s.words[src_lane & 31];
    wait(tid >> 5, Kind::kShuffle, tid);
    return r;
  }
  void syncwarp(int tid) { wait(tid >> 5, Kind::kSyncWarp, tid); }
  void syncthreads(int tid) { wait(warps_, Kind::kSyncThreads, tid); }
  void fail(const std::string& message) {
    if (error_.empty()) error_ = message;
  }

 private:
  static constexpr std::size_t kStackBytes = 256 * 1024;
  struct Fiber {
    ucontext_t context;
    jmp_buf jump;
    std::unique_ptr<char[]> stack;
    bool started = false;
    bool done = false;
    int waiting = -1;
    std::uint64_t wait_generation = 0;
  };
  struct Barrier {
    int size = 0;
    int arrived = 0;
    std::uint64_t generation = 0;
    Kind kind = Kind::kNone;
  };
  struct Scratch {
    std::uint32_t words[32];
  };

  static void trampoline() {
    Block* self = current_;
    const int tid = current_tid_;
    (*self->body_)(EmuOps{self, tid}, self->smem_.data());
    self->fibers_[tid].done = true;
    _longjmp(self->scheduler_jump_, 1);  // never return: uc_link's context is stale by now
  }

  void wait(int id, Kind kind, int tid) {
    Barrier& b = barriers_[id];
    if (b.arrived == 0) {
      b.kind = kind;
    } else if (b.kind != kind) {
      fail("thread " + std::to_string(tid) + " reached a different collective than its peers");
    }
    const std::uint64_t generation = b.generation;
    if (++b.arrived == b.size) {
      b.arrived = 0;
      ++b.generation;
      return;
    }
    Fiber& f = fibers_[tid];
    f.waiting = id;
    f.wait_generation = generation;
    if (_setjmp(f.jump) == 0) _longjmp(scheduler_jump_, 1);
  }

  std::string describe_waits() const {
    std::string s;
    for (std::size_t i = 0; i < barriers_.size(); ++i) {
      if (barriers_[i].arrived > 0) {
        s += (i < static_cast<std::size_t>(warps_) ? "warp " + std::to_string(i) : "block") +
             " barrier has " + std::to_string(barriers_[i].arrived) + "/" +
             std::to_string(barriers_[i].size) + "; ";
      }
    }
    return s;
  }

  static inline thread_local Block* current_ = nullptr;
  static inline thread_local int current_tid_ = 0;

  int warps_;
  std::vector<std::uint32_t> smem_;
  std::vector<Fiber> fibers_;
  std::vector<Barrier> barriers_;
  std::vector<Scratch> scratch_;
  ucontext_t scheduler_;
  jmp_buf scheduler_jump_;
  const std::function<void(const EmuOps&, std::uint32_t*)>* body_ = nullptr;
  std::string error_;
};

inline int EmuOps::warps() const { return block->warps(); }
inline unsigned EmuOps::ballot(bool p) const { return block->ballot(tid, p); }
inline float EmuOps::shfl_xor(float v, int mask) const {
  return float_from_bits(block->exchange(tid, bits_from_float(v), lane() ^ mask));
}
inline unsigned EmuOps::shfl_u32(unsigned v, int src) const {
  return block->exchange(tid, v, src);
}
inline void EmuOps::syncwarp() const { block->syncwarp(tid); }
inline void EmuOps::syncthreads() const { block->syncthreads(tid); }
inline Chunk16 EmuOps::load16(const void* p) const {
  if (reinterpret_cast<std::uintptr_t>(p) % 16 != 0) block->fail("misaligned 16-byte load");
  Chunk16 c;
  std::memcpy(&c, p, sizeof c);
  return c;
}

// Runs a grid: body(ops, smem, block_x, block_y) for every block, one block at a time. Blocks
// (and their fiber stacks) are reused across grids of the same shape.
template <class Body>
void run_grid(int grid_x, int grid_y, int warps, std::size_t smem_bytes, Body body) {
  static thread_local std::map<std::pair<int, std::size_t>, std::unique_ptr<Block>> blocks;
  std::unique_ptr<Block>& cached = blocks[{warps, smem_bytes}];
  if (!cached) cached = std::make_unique<Block>(warps, smem_bytes);
  Block& block = *cached;
  for (int y = 0; y < grid_y; ++y) {
    for (int x = 0; x < grid_x; ++x) {
      block.run([&](const EmuOps& ops, std::uint32_t* smem) { body(ops, smem, x, y); });
    }
  }
}

}  // namespace feedrank::kernels::gpu::emu
