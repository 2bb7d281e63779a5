"""Everything the checker says that no single exercise owns, in Chinese and in English, side by
side so that the two stay in step. Each entry is ``key: (中文, English)`` with format fields."""

# The short status of a case, shown on its line of the table.
STATUS = {
    "passed": ("通过", "passed"),
    "raised": ("抛出 {type}", "raised {type}"),
    "exit": ("调用了 exit()", "called exit()"),
    "timeout": ("超时", "timed out"),
    "not_run": ("未运行", "not run"),
    "died": ("进程崩溃", "process died"),
    "none": ("返回了 None", "returned None"),
    "other": ("返回值不是张量", "not a tensor"),
    "mutated": ("改动了输入", "changed its input"),
    "shape": ("形状不对", "wrong shape"),
    "nan": ("出现 nan 或 inf", "nan or inf"),
    "value": ("数值不对", "wrong value"),
    "dtype": ("dtype 不对", "wrong dtype"),
    "number": ("返回了 Python 数", "a Python number"),
    "detached": ("不在计算图上", "off the graph"),
    "backward": ("反向传播出错", "backward failed"),
    "grad": ("梯度不对", "wrong gradient"),
    "grad_nan": ("梯度含 nan", "nan in the gradient"),
    "builtin": ("调用了内置函数", "called a built-in"),
    "tamper": ("触碰了检查器", "reached for the checker"),
    "invalid": ("结果无法读取", "unreadable result"),
}

# What went wrong in one case, in a sentence.
DETAIL = {
    "raised": ("{type}: {message}", "{type}: {message}"),
    "where": ("出错位置：第 {line} 行，{function} 中：{code}",
              "where: line {line}, in {function}: {code}"),
    "exit": ("函数调用了 exit() 或 sys.exit()（参数 {code}），这会结束整个程序。",
             "The function called exit() or sys.exit() (with {code}), which ends the whole "
             "program."),
    "timeout": ("运行超过 {seconds:g} 秒仍未结束，已被终止。",
                "Still running after {seconds:g} s, so it was stopped."),
    "not_run": ("前面的例子超时或使进程崩溃，这一例没有运行。",
                "An earlier case timed out or crashed the process, so this one did not run."),
    "died": ("运行函数的进程意外退出（{exit}）。",
             "The process running your function ended abruptly ({exit})."),
    "none": ("函数没有返回任何值。", "The function returned nothing."),
    "other": ("返回了 {type}，应当返回 torch.Tensor。",
              "It returned a {type}; expected a torch.Tensor."),
    "mutated": ("原地改动了输入 {names}；torch 的损失函数从不修改输入。",
                "It changed {names} in place; torch's losses never modify their inputs."),
    "shape": ("期望形状 {expected}，得到 {got}。", "Expected shape {expected}, got {got}."),
    "dtype": ("期望 dtype {expected}（与输入一致），得到 {got}。",
              "Expected dtype {expected} (the input's), got {got}."),
    "number": ("数值正确，但返回的是 Python {type}，梯度传不回输入。",
               "Right value, but a Python {type}: no gradient can flow back to the inputs."),
    "detached": ("数值正确，但结果不在计算图上（requires_grad=False），梯度传不回输入。",
                 "Right value, but the result is off the autograd graph "
                 "(requires_grad=False): no gradient reaches the inputs."),
    "backward": ("对结果反向传播时抛出 {type}: {message}",
                 "Backpropagating through the result raised {type}: {message}"),
    "builtin": ("它调用了 {names}：这道练习要你亲手写出这个计算，不能调用现成的实现。",
                "It called {names}: the exercise asks you to write this computation by hand, "
                "not to call a ready-made one."),
    "tamper": ("它用了 {names}，这会让检查器无法确认结果是你自己算出来的，所以不计分。",
               "It used {names}, which would keep the checker from knowing that you computed "
               "the result yourself, so it does not count."),
    "invalid": ("运行你的函数的进程送回了无法读取的结果（{why}）。",
                "The process running your function sent back something that is not a result "
                "({why})."),
    "too_large": ("结果太大（{numel} 个数），检查器不比较这么大的张量。",
                  "The result is too large ({numel} numbers) for the checker to compare."),
    "grad_none": ("结果与 {name} 无关（梯度为 None），但它应当有梯度。",
                  "The result does not depend on {name} (its gradient is None), but it should."),
}

# Hints for what the status alone suggests; an exercise's own mistakes come first.
HINT = {
    "signature": ("参数要和 torch 的一致：{signature}", "Take torch's arguments: {signature}"),
    "missing_argument": ("函数缺少参数 `{name}`。参数要和 torch 的一致：{signature}",
                         "Your function has no `{name}` argument. Take torch's arguments: "
                         "{signature}"),
    "leaf_inplace": ("不要原地修改输入（如 `input -= ...`、`.clamp_()`、`x[mask] = 0`）：先复制 "
                     "`x = x.clone()`，或改用不带下划线的运算。",
                     "Do not change an input in place (`input -= ...`, `.clamp_()`, "
                     "`x[mask] = 0`): copy it first with `x = x.clone()`, or use the "
                     "out-of-place operation."),
    "inplace": ("反向传播要用到的中间结果被原地改动了：把 `x.exp_()` 这类运算换成 `x.exp()`。",
                "A tensor that backward needs was changed in place: replace operations such "
                "as `x.exp_()` by `x.exp()`."),
    "memory": ("内存超出限制（检查器限制了可用内存）：通常是某个张量比需要的大得多，比如两个形状"
               "广播成了 (N, N)。",
               "Out of memory (the checker limits it): usually a tensor far larger than "
               "needed, such as two shapes broadcast to (N, N)."),
    "recursion": ("递归太深：函数是不是在调用它自己？",
                  "Recursion too deep: does the function call itself?"),
    "not_implemented": ("函数还没有写完。", "The function is not written yet."),
    "index": ("下标越界：被忽略的目标（ignore_index，比如 -100）也被当成了类别下标？先用掩码去掉"
              "它们，再 gather。",
              "Index out of range: was an ignored target (ignore_index, such as -100) used as a "
              "class index? Mask those out before gathering."),
    "dimension": ("维度超出范围：这一例输入的维数和你设想的不同，看看调用里的形状。",
                  "Dimension out of range: this case's inputs have another number of "
                  "dimensions than you assumed; see the shapes in the call."),
    "name": ("用到了没有定义的名字：定义它的单元格运行过吗？",
             "A name is not defined: did the cell that defines it run?"),
    "exit": ("返回损失值，而不要结束程序。", "Return the loss instead of ending the program."),
    "timeout": ("有没有死循环？比如 `while` 的条件永远不变。可以用 check(..., timeout=秒数) 放宽"
                "时限。",
                "An endless loop, such as a `while` whose condition never changes? "
                "check(..., timeout=seconds) gives more time."),
    "died": ("可能调用了 os._exit()，或者在原生代码里崩溃了。",
             "Perhaps os._exit(), or a crash inside native code."),
    "none": ("是不是漏写了 return？", "Is the `return` statement missing?"),
    "numpy": ("numpy 里算出的结果没有梯度：全程使用 torch 运算。",
              "A result computed in numpy has no gradient: stay in torch throughout."),
    "mutated": ("先复制（`x = x.clone()`）再修改，或改用不带下划线的运算（`x.clamp(...)` 而非 "
                "`x.clamp_(...)`）。",
                "Copy first (`x = x.clone()`), or use out-of-place operations "
                "(`x.clamp(...)`, not `x.clamp_(...)`)."),
    "scalar": ("应返回一个标量，即 0 维张量：`.mean()` 和 `.sum()` 返回的就是，"
               "不要再改成形状 (1,)。",
               "Return a scalar, a 0-dim tensor: `.mean()` and `.sum()` give one; do not "
               "reshape it to (1,)."),
    "unreduced": ("应逐个返回损失，形状 {expected}。",
                  "Return one loss per element, shape {expected}."),
    "size_one": ("数目对但形状不对：多了或少了长度为 1 的维度？检查 keepdim 和 squeeze。",
                 "Right count, wrong shape: an extra or a missing dimension of size 1? Check "
                 "keepdim and squeeze."),
    "nan": ("nan 和 inf 多半来自 log(0)、0·log 0、exp 溢出、inf − inf 或 0/0：看看这一例的极端"
            "输入。",
            "nan and inf usually come from log(0), 0·log 0, an exp that overflows, inf − inf "
            "or 0/0: look at this case's extreme inputs."),
    "dtype": ("保持输入的 dtype：中途不要 `.float()`，新建张量时写上 `dtype=input.dtype`。",
              "Keep the input's dtype: no `.float()` on the way, and pass "
              "`dtype=input.dtype` to the tensors you create."),
    "number": ("去掉 `.item()`、`float()` 和 `math.*`，直接返回张量。",
               "Drop `.item()`, `float()` and `math.*`, and return the tensor itself."),
    "detached": ("常见原因：`.detach()`、`.data`、`.numpy()`、用 `torch.tensor(...)` 重新包装结果，"
                 "或在 `torch.no_grad()` 下计算。",
                 "Usual causes: `.detach()`, `.data`, `.numpy()`, wrapping the result in "
                 "`torch.tensor(...)`, or computing under `torch.no_grad()`."),
    "grad": ("数值对而梯度不对：找找 `.detach()`、`.data`，或者检查自己写的 backward。",
             "Right values, wrong gradients: look for `.detach()` or `.data`, or check your "
             "hand-written backward."),
    "grad_nan": ("torch.where 没有选中的分支也会回传梯度，那里的 inf 乘以 0 就是 nan：先让该分支的"
                 "输入变安全（比如 clamp），再计算。",
                 "torch.where sends gradients through the branch it did not pick as well, and "
                 "0 × inf there is nan: make that branch's input safe (clamp it) first."),
}

# Lines of the report that are not about one case.
REPORT = {
    "title": ("{passed}/{total} 例通过", "{passed}/{total} cases passed"),
    "case": ("第 {n} 例", "case {n}"),
    "column_case": ("例", "case"),
    "column_result": ("结果", "result"),
    "call": ("调用", "call"),
    "expected": ("期望", "expected"),
    "got": ("得到", "got"),
    "hint": ("提示", "Hint"),
    "reproduce": ("复现", "reproduce"),
    "of_sum": ("梯度取自 out.sum() 的反向传播。", "Gradients of out.sum()."),
    "all_passed": ("全部通过：数值和梯度都与参考实现一致。",
                   "All cases pass: values and gradients match the reference."),
    "all_passed_values": ("全部通过：数值与参考实现一致（这道练习只比较数值，不比较梯度）。",
                          "All cases pass: values match the reference (this exercise compares "
                          "values only, not gradients)."),
    "printed": ("你的函数输出了 {lines} 行（未显示）。",
                "Your function printed {lines} line{s} (not shown)."),
    "builtins_allowed": ("允许调用内置函数（--allow-builtins）：{names} 不影响得分。",
                         "Built-ins allowed (--allow-builtins): {names} did not cost marks."),
    "interrupted": ("检查被中断（{error}）。", "The check was interrupted ({error})."),
    "not_attempted": ("尚未作答", "not attempted yet"),
    "no_fork": ("这个系统不支持 fork：本次检查没有时间和内存限制。",
                "This system cannot fork: no time or memory limit applied."),
    "unknown": ("没有名为 {id!r} 的练习。可选的有：{choices}。",
                "No exercise is named {id!r}. The exercises are: {choices}."),
    "close": ("你是不是想写 {name!r}？", "Did you mean {name!r}?"),
    "not_callable": ("要检查的应是一个函数，得到的是 {type}。",
                     "Expected a function to check, got a {type}."),
    "internal": ("检查器自身出错（{error}），请告诉老师。",
                 "The checker itself failed ({error}); please report it."),
}


def say(table: dict, key: str, **fields) -> tuple[str, str]:
    """The entry ``key`` of ``table`` in both languages, with its fields filled in."""
    zh, en = table[key]
    return zh.format(**fields), en.format(**fields)
